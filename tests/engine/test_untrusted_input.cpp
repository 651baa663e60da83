// Bounds on untrusted input (issue 16, item 6): JSON nesting, file sizes checked before reading,
// safetensors headers, model sizes a config.json may claim. Torch-free (adamix_core), so it also
// runs in the sanitizer build.
#include <QtTest/QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "artifacts/official_adamix_config.h"
#include "artifacts/peft_adapter_config.h"
#include "config/run_config.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/safetensors_header.h"
#include "io/untrusted_input.h"
#include "model/model_config.h"
#include "test_support.h"
#include "tokenizer/tokenizer_json.h"

using namespace adamix;

namespace {
std::string tmpPath(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("adamix_untrusted_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
/// The error thrown by f ("" kind and message when none).
template <class F>
EngineError errorOf(F&& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return e;
  }
  return EngineError(ErrorKind::Internal, "<no error>");
}
std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }
/// A file of `size` bytes that takes no disk space (sparse), for size limits.
std::string sparseFile(const std::string& name, uint64_t size) {
  const std::string p = tmpPath(name);
  { std::ofstream(p, std::ios::trunc); }
  std::filesystem::resize_file(p, size);
  return p;
}
std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}
}  // namespace

class TestUntrustedInput : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  /// A number too large for a double: nlohmann's error names no position (every other JSON error
  /// does); the message names the line and column of the number (bad-input review).
  void aNumberOutOfRangeIsLocated() {
    const EngineError e = errorOf([] { parseJsonBounded("{\n  \"lr\": 1e999\n}", "c.json", ErrorKind::Config); });
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("c.json"));
    QCOMPARE(
        QString::fromStdString(e.message()),
        QStringLiteral("invalid JSON: [json.exception.out_of_range.406] number overflow parsing '1e999' at line 2, "
                       "column 9"));
    const EngineError neg = errorOf([] { parseJsonStrict("[\"-1e999\", -1e999]", "n.json", ErrorKind::Config); });
    QVERIFY2(QString::fromStdString(neg.message()).endsWith("'-1e999' at line 1, column 12"), neg.what());
  }

  void jsonNestingIsBoundedAtExactlyTheLimit() {
    // 128 levels parse; 129 are rejected with the source named — and a million levels, which
    // would overflow the stack of a recursive dump or destructor, are rejected while parsing
    QCOMPARE(parseJsonBounded(nested(kMaxJsonDepth), "a.json", ErrorKind::Config).dump().size(),
             size_t(2 * kMaxJsonDepth));
    const EngineError e = errorOf([] { parseJsonBounded(nested(kMaxJsonDepth + 1), "a.json", ErrorKind::Config); });
    QCOMPARE(e.kind(), ErrorKind::Config);
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("a.json"));
    QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("JSON nested deeper than 128 levels"));
    const std::string deep = std::string(1000000, '{');
    QCOMPARE(errorOf([&] { parseJsonBounded(deep, "deep.json", ErrorKind::Model); }).kind(), ErrorKind::Model);
    // objects count like arrays: {"a":{"a":…}}
    std::string objects;
    for (int i = 0; i < 200; ++i) objects += "{\"a\":";
    objects += "1" + std::string(200, '}');
    QCOMPARE(QString::fromStdString(errorOf([&] { parseJsonBounded(objects, "o.json", ErrorKind::Data); }).message()),
             QStringLiteral("JSON nested deeper than 128 levels"));
  }

  void malformedJsonNamesTheSource() {
    const EngineError e = errorOf([] { parseJsonBounded("{\"a\": 1,", "x.json", ErrorKind::Data); });
    QCOMPARE(e.kind(), ErrorKind::Data);
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("x.json"));
    QVERIFY(e.message().rfind("invalid JSON: ", 0) == 0);
  }

  void fileSizeIsCheckedBeforeReading() {
    // a 65 MB sparse config and a 9 GB sparse dataset: rejected from their size, nothing read
    const std::string big = sparseFile("config.json", kMaxConfigFileBytes + 1);
    const EngineError e = errorOf([&] { readFileBounded(big, kMaxConfigFileBytes, ErrorKind::Model, "model config"); });
    QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(big));
    QCOMPARE(QString::fromStdString(e.message()),
             QStringLiteral("model config is 67108865 bytes, more than the limit of 67108864 bytes"));
    const std::string huge = sparseFile("train.tsv", 9ull << 30);
    QCOMPARE(errorOf([&] { readFileBounded(huge, kMaxDatasetFileBytes, ErrorKind::Data, "data file"); }).kind(),
             ErrorKind::Data);
    // through a real loader: a tokenizer.json over 512 MB
    const std::string tj = sparseFile("tokenizer.json", kMaxVocabularyFileBytes + 1);
    QVERIFY(errorOf([&] { loadTokenizerJson(tj); }).message().find("more than the limit") != std::string::npos);
    std::filesystem::remove(big);
    std::filesystem::remove(huge);
    std::filesystem::remove(tj);
    // at the limit it is read whole
    test::writeFile(tmpPath("small.json"), "{\"a\": [1, 2]}");
    QCOMPARE(readJsonFileBounded(tmpPath("small.json"), 13, ErrorKind::Config, "x")["a"][1].get<int>(), 2);
  }

  void repeatedKeysOfPersonWrittenFilesAreErrors() {
    // A bad-input review: a run config with two learning rates ran with the last one, silently.
    auto duplicate = [](const std::string& text) {
      return QString::fromStdString(errorOf([&] { parseJsonStrict(text, "f.json", ErrorKind::Config); }).message());
    };
    QCOMPARE(duplicate(R"({"a": 1, "b": {"c": 1, "c": 2}})"),
             QStringLiteral("duplicate key: /b/c appears twice in its object (JSON would keep only the last)"));
    QVERIFY(duplicate(R"([{"x": 1}, [0, {"x": 2, "x": 3}]])").startsWith("duplicate key: /1/1/x appears"));
    QVERIFY(duplicate(R"({"a/b": 1, "a/b": 2})").startsWith("duplicate key: /a~1b appears"));
    // the same key in sibling objects, or after a nested object closed, is no repeat
    const auto ok = parseJsonStrict(R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}], "z": {"k": {"k": 4}}})", "f.json",
                                    ErrorKind::Config);
    QCOMPARE(ok["z"]["k"]["k"].get<int>(), 4);
    // through the run-config reader, naming the file; other programs' JSON (parseJsonBounded) is not checked
    test::writeFile(tmpPath("run.json"), R"({"model": {"path": "m"}, "task": {"name": "rte", "data_dir": "d"},
                                            "train": {"learning_rate": 0.1, "learning_rate": 1e-4}})");
    const EngineError e = errorOf([&] { loadRunConfig(tmpPath("run.json")); });
    QCOMPARE(e.kind(), ErrorKind::Config);
    QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(tmpPath("run.json")));
    QVERIFY2(e.message().rfind("duplicate key: /train/learning_rate appears twice", 0) == 0, e.what());
    QCOMPARE(parseJsonBounded(R"({"k": 1, "k": 2})", "config.json", ErrorKind::Model)["k"].get<int>(), 2);
  }

  void devicesAreNotReadAsFiles() {
    // /dev/zero has no size and no end: refused before reading (it was read up to the 8 GiB limit)
    const EngineError e = errorOf([&] { readFileBounded("/dev/zero", kMaxDatasetFileBytes, ErrorKind::Data, "data file"); });
    QCOMPARE(e.kind(), ErrorKind::Data);
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("/dev/zero"));
    QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("cannot open data file: not a regular file or a pipe"));
    // a pipe still is (process substitution, a FIFO the data is written into)
    const std::string fifo = tmpPath("train.fifo");
    std::filesystem::remove(fifo);
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { test::writeFile(fifo, "a\tb\n"); });
    QCOMPARE(readFileBounded(fifo, 100, ErrorKind::Data, "data file"), std::string("a\tb\n"));
    writer.join();
    std::filesystem::remove(fifo);
  }

  void anInterruptStopsReading() {
    // SIGINT/SIGTERM while a (large, or slow) input is read: exit 8 (Interrupted), naming the file
    test::writeFile(tmpPath("dev.tsv"), "sentence\tlabel\nok\t1\n");
    g_interrupt_requested = true;
    const EngineError e =
        errorOf([&] { readFileBounded(tmpPath("dev.tsv"), kMaxDatasetFileBytes, ErrorKind::Data, "data file"); });
    g_interrupt_requested = false;
    QCOMPARE(e.kind(), ErrorKind::Interrupted);
    QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("interrupted while reading data file"));
    QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(tmpPath("dev.tsv")));
    QCOMPARE(readFileBounded(tmpPath("dev.tsv"), kMaxDatasetFileBytes, ErrorKind::Data, "data file").size(), size_t{20});
  }

  // Bug pinned: a FIFO nobody writes to kept readFileBounded in open() for ever, and SIGTERM (its
  // handler sets g_interrupt_requested) could not end it: glibc restarts the open() and libstdc++
  // the read(). Now the wait for a writer, and for data from a writer that sends none, ends with
  // the interrupted error as soon as the flag is set — here from another thread, as a signal
  // handled on another thread of the engine does (adamix-engine itself: test_trainer's
  // signalWhileWaitingForAFifoEndsTheRunAsInterrupted). The ends of a pipe stay what they were.
  void aFifoWaitEndsOnInterrupt() {
    const std::string fifo = tmpPath("wait.fifo");
    auto freshFifo = [&] {
      std::filesystem::remove(fifo);
      QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    };
    // A writer's end of the FIFO once the reader has its end open (before that O_NONBLOCK gives
    // ENXIO); -1 if none came within the safety net of a minute.
    auto openWriterWhenReaderIsThere = [&] {
      for (int i = 0; i < 60000; ++i) {
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 || errno != ENXIO) return fd;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return -1;
    };
    auto expectInterrupted = [&](const EngineError& e) {
      QCOMPARE(e.kind(), ErrorKind::Interrupted);
      QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("interrupted while reading data file"));
      QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(fifo));
    };
    // no writer ever: the wait for one ends
    freshFifo();
    std::thread signal_no_writer([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      g_interrupt_requested = true;
    });
    EngineError e = errorOf([&] { readFileBounded(fifo, kMaxDatasetFileBytes, ErrorKind::Data, "data file"); });
    signal_no_writer.join();
    g_interrupt_requested = false;
    expectInterrupted(e);
    // a writer that sends part of a row and then nothing, holding its end open: the wait for data ends
    freshFifo();
    int writer_fd = -1;
    std::thread silent_writer([&] {
      writer_fd = openWriterWhenReaderIsThere();
      if (writer_fd >= 0) (void)!::write(writer_fd, "a\t", 2);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      g_interrupt_requested = true;
    });
    e = errorOf([&] { readFileBounded(fifo, kMaxDatasetFileBytes, ErrorKind::Data, "data file"); });
    silent_writer.join();
    g_interrupt_requested = false;
    QVERIFY(writer_fd >= 0);
    ::close(writer_fd);
    expectInterrupted(e);
    // a writer that closes its end without writing: an empty file, as with a blocking open and read
    freshFifo();
    std::thread empty_writer([&] {
      const int fd = openWriterWhenReaderIsThere();
      if (fd >= 0) ::close(fd);
    });
    const std::string empty = readFileBounded(fifo, 100, ErrorKind::Data, "data file");
    empty_writer.join();
    QCOMPARE(empty, std::string());
    // data in several writes, then the end; and past the limit: cut off, naming the file
    freshFifo();
    std::thread slow_writer([&] {
      const int fd = openWriterWhenReaderIsThere();
      if (fd < 0) return;
      for (const char* part : {"sentence\tlabel\n", "ok\t1\n"}) {
        (void)!::write(fd, part, std::strlen(part));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ::close(fd);
    });
    QCOMPARE(readFileBounded(fifo, 100, ErrorKind::Data, "data file"), std::string("sentence\tlabel\nok\t1\n"));
    slow_writer.join();
    freshFifo();
    std::thread big_writer([&] { test::writeFile(fifo, std::string(101, 'x')); });
    e = errorOf([&] { readFileBounded(fifo, 100, ErrorKind::Data, "data file"); });
    big_writer.join();
    QCOMPARE(e.kind(), ErrorKind::Data);
    QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("data file is more than the limit of 100 bytes"));
    QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(fifo));
    std::filesystem::remove(fifo);
  }

  void regularFilesOnly() {
    // a device has no end and a size of 0: refused before a byte is read, through a symlink too
    const std::string zero = tmpPath("zero.jsonl");
    std::filesystem::remove(zero);
    std::filesystem::create_symlink("/dev/zero", zero);
    for (const std::string& path : {std::string("/dev/zero"), zero}) {
      const EngineError e = errorOf([&] { readRegularFileBounded(path, kMaxEventLogBytes, ErrorKind::Io, "event log"); });
      QCOMPARE(e.kind(), ErrorKind::Io);
      QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(path));
      QCOMPARE(QString::fromStdString(e.message()),
               QStringLiteral("cannot open event log: not a regular file (a character device)"));
    }
    const std::string fifo = tmpPath("fifo.jsonl");  // no writer: reading would wait forever
    std::filesystem::remove(fifo);
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    QCOMPARE(QString::fromStdString(errorOf([&] { readRegularFileBounded(fifo, 10, ErrorKind::Io, "x"); }).message()),
             QStringLiteral("cannot open x: not a regular file (a FIFO)"));
    // a regular file through a symlink is read; over the limit, missing or a directory as readFileBounded
    test::writeFile(tmpPath("real.jsonl"), "{}\n");
    const std::string link = tmpPath("link.jsonl");
    std::filesystem::remove(link);
    std::filesystem::create_symlink(tmpPath("real.jsonl"), link);
    QCOMPARE(readRegularFileBounded(link, 3, ErrorKind::Io, "x"), std::string("{}\n"));
    QVERIFY(errorOf([&] { readRegularFileBounded(link, 2, ErrorKind::Io, "x"); }).message().find("more than the limit") !=
            std::string::npos);
    QVERIFY(errorOf([&] { readRegularFileBounded(tmpPath("none"), 2, ErrorKind::Io, "x"); }).message().find(
                "no such file") != std::string::npos);
    QVERIFY(errorOf([&] { readRegularFileBounded(tmpPath(""), 2, ErrorKind::Io, "x"); }).message().find(
                "a directory") != std::string::npos);
    for (const std::string& p : {zero, fifo, link, tmpPath("real.jsonl")}) std::filesystem::remove(p);
  }

  void safetensorsHeaderBounds() {
    // the length prefix is checked against the file size and the format's 100 MB before allocating
    const std::string huge_len = le64(1ull << 62);
    QVERIFY(errorOf([&] {
              safetensorsHeaderLength(reinterpret_cast<const unsigned char*>(huge_len.data()), 1000, "m.safetensors");
            }).message().find("exceeds the file size") != std::string::npos);
    const std::string over = le64(kSafetensorsMaxHeaderBytes + 1);
    QVERIFY(errorOf([&] {
              safetensorsHeaderLength(reinterpret_cast<const unsigned char*>(over.data()), 1ull << 40, "m.safetensors");
            }).message().find("exceeds 100 MB") != std::string::npos);
    // a shape whose byte size overflows 64 bits, and one above INT64_MAX, are "too large"
    const EngineError a = errorOf([] {
      parseSafetensorsHeader(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0,
                             "m.safetensors");
    });
    QCOMPARE(QString::fromStdString(a.location()), QStringLiteral("m.safetensors:w"));
    QVERIFY(a.message().find("is too large") != std::string::npos);
    QVERIFY(errorOf([] {
              parseSafetensorsHeader(R"({"w":{"dtype":"I64","shape":[18446744073709551615],"data_offsets":[0,0]}})",
                                     0, "m.safetensors");
            }).message().find("is too large") != std::string::npos);
    // a header is a flat object of objects: nesting beyond 8 levels is not one
    std::string deep = R"({"__metadata__":{"a":)" + nested(10) + "}}";
    QCOMPARE(QString::fromStdString(errorOf([&] { parseSafetensorsHeader(deep, 0, "m.safetensors"); }).message()),
             QStringLiteral("JSON nested deeper than 8 levels"));
    // a valid one: 2x3 F32 at [0, 24)
    const SafetensorsHeader h =
        parseSafetensorsHeader(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})", 24, "m.safetensors");
    QCOMPARE(h.entries.at("w").end, uint64_t(24));
    QCOMPARE(h.data_start, uint64_t(8 + 57));  // 8-byte length + the 57 bytes of JSON
  }

  void modelSizeIsBoundedBeforeAllocation() {
    // Llama with vocab 32000, hidden 4096, 32 layers, intermediate 11008, untied: 6.74e9 parameters
    // (Llama-2-7B), exactly: the estimate leaves out only biases, which Llama has none of
    nlohmann::json llama = {{"model_type", "llama"}, {"hidden_size", 4096},     {"intermediate_size", 11008},
                            {"num_hidden_layers", 32}, {"num_attention_heads", 32}, {"vocab_size", 32000},
                            {"max_position_embeddings", 2048}};
    const ModelConfig c = parseModelConfig(llama, "config.json");
    QCOMPARE(backboneParameterCount(c), 6738415616.0);
    // a crafted config: hidden 2^20, 1000 layers — terabytes; rejected naming the file
    llama["hidden_size"] = 1 << 20;
    llama["num_attention_heads"] = 1 << 10;
    llama["num_hidden_layers"] = 1000;
    const ModelConfig crafted = parseModelConfig(llama, "/m/config.json");
    const EngineError e = errorOf([&] { checkModelSize(crafted, 25e9, "of memory of this machine"); });
    QCOMPARE(e.kind(), ErrorKind::Model);
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("/m/config.json"));
    QVERIFY2(e.message().find("GB as float32), more than 25 GB of memory of this machine") != std::string::npos,
             e.message().c_str());
    QVERIFY(errorOf([&] { checkModelFitsMemory(crafted); }).kind() == ErrorKind::Model);
    // a small model passes: 2 layers of hidden 64
    llama = {{"model_type", "llama"}, {"hidden_size", 64}, {"intermediate_size", 128}, {"num_hidden_layers", 2},
             {"num_attention_heads", 4}, {"vocab_size", 512}, {"max_position_embeddings", 256}};
    checkModelFitsMemory(parseModelConfig(llama, "config.json"));
  }

  void adaptationSizeIsBoundedBeforeAllocation() {
    // hidden 64, intermediate 128, 2 layers; 4 modules of rank 8 at 1 site: d = 128,
    // per module 2 x 128 x 8 + 128 + 8 = 2184, x 4 modules x 1 site x 2 layers = 17472
    const nlohmann::json small = {{"model_type", "llama"}, {"hidden_size", 64}, {"intermediate_size", 128},
                                  {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"vocab_size", 512}};
    const ModelConfig c = parseModelConfig(small, "config.json");
    QCOMPARE(adaptationParameterBound(c, 4, 8, 1), 17472.0);
    checkAdaptationFitsMemory(c, 4, 8, 1, "/peft/adamix/num_modules", "/peft/adapter/bottleneck");
    // a million modules of rank 100,000: rejected at the field, before applyPeft allocates them
    const EngineError e = errorOf(
        [&] { checkAdaptationFitsMemory(c, 1000000, 100000, 2, "/peft/adamix/num_modules", "/peft/lora/rank"); });
    QCOMPARE(e.kind(), ErrorKind::Config);
    QCOMPARE(QString::fromStdString(e.location()), QStringLiteral("/peft/adamix/num_modules"));
    QVERIFY2(e.message().rfind("1000000 modules of rank 100000 at 2 sites of 2 layers", 0) == 0, e.message().c_str());
    // two modules of bottleneck 10^9: the bottleneck's field, not the modules'
    QCOMPARE(QString::fromStdString(
                 errorOf([&] {
                   checkAdaptationFitsMemory(c, 2, 1000000000, 1, "/peft/adamix/num_modules", "/peft/adapter/bottleneck");
                 }).location()),
             QStringLiteral("/peft/adapter/bottleneck"));
  }

  // Found by fuzz_peft_adapter_config (tests/fuzz/regressions/fuzz_peft_adapter_config/peft-type-null):
  // `"peft_type": null` escaped as nlohmann::type_error (std::terminate in the engine) instead of an
  // error naming the field; the same for every optional field of another type than expected.
  void peftAdapterConfigFieldsOfTheWrongTypeAreNamedErrors() {
    const std::string dir = tmpPath("adapter");
    std::filesystem::create_directories(dir);
    // the field named by the error, or "<kind>" when the error is not a Config error
    const auto field_of = [&](const std::string& json_text) -> QString {
      test::writeFile(dir + "/adapter_config.json", json_text);
      const EngineError e = errorOf([&] { readPeftAdapterConfig(dir); });
      if (e.kind() != ErrorKind::Config) return QString::fromUtf8(errorKindName(e.kind()));
      return QString::fromStdString(e.location()).section(':', -1);
    };
    const std::string rest = R"("r": 4, "target_modules": ["q_proj"])";
    QCOMPARE(field_of(R"({"peft_type": null, )" + rest + "}"), QStringLiteral("peft_type"));
    QCOMPARE(field_of(R"({"peft_type": 7, )" + rest + "}"), QStringLiteral("peft_type"));
    QCOMPARE(field_of(R"({"peft_type": "LORA", "use_dora": "no", )" + rest + "}"), QStringLiteral("use_dora"));
    QCOMPARE(field_of(R"({"peft_type": "LORA", "fan_in_fan_out": 1, )" + rest + "}"), QStringLiteral("fan_in_fan_out"));
    QCOMPARE(field_of(R"({"peft_type": "LORA", "use_rslora": [], )" + rest + "}"), QStringLiteral("use_rslora"));
    // and the official AdaMix config's model_type
    test::writeFile(dir + "/config.json", R"({"apply_expert_soup": true, "model_type": 3})");
    QCOMPARE(QString::fromStdString(errorOf([&] { readOfficialAdaMixConfig(dir); }).location()).section(':', -1),
             QStringLiteral("model_type"));
    // a valid one still reads
    test::writeFile(dir + "/adapter_config.json", R"({"peft_type": "LORA", "use_dora": null, )" + rest + "}");
    QCOMPARE(readPeftAdapterConfig(dir).r, int64_t(4));
  }

  // Found by fuzz_tokenizer_json (tests/fuzz/regressions/fuzz_tokenizer_json/vocab-id-float-3e45):
  // a vocabulary id written as a float (3.12e45) was converted to int64 — undefined behaviour —
  // instead of being rejected; the same for added-token ids and max_input_chars_per_word.
  void tokenizerJsonIdsMustBeIntegers() {
    const std::string path = tmpPath("tokenizer.json");
    const auto location_of = [&](const std::string& text) {
      test::writeFile(path, text);
      const EngineError e = errorOf([&] { loadTokenizerJson(path); });
      return e.kind() == ErrorKind::Model ? QString::fromStdString(e.location()).section(':', -1)
                                          : QStringLiteral("<not a model error>");
    };
    const std::string bpe_head =
        R"({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "normalizer": null, )";
    QCOMPARE(location_of(bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 3.12e45}, "merges": []}})"),
             QStringLiteral("/model/vocab"));
    QCOMPARE(location_of(bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
               "added_tokens": [{"id": 1.5, "content": "<s>", "special": true}]})"),
             QStringLiteral("/added_tokens"));
    const std::string wp = R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1}, "unk_token": "[UNK]", )";
    QCOMPARE(location_of(wp + R"("max_input_chars_per_word": 1e300}})"), QStringLiteral("/model/max_input_chars_per_word"));
    QCOMPARE(location_of(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0.0}}})"), QStringLiteral("/model/vocab"));
    // integers still load
    test::writeFile(path, wp + R"("max_input_chars_per_word": 50}})");
    QCOMPARE(loadTokenizerJson(path)->vocabSize(), int64_t(2));
  }

  // a BPE vocabulary id far above the vocabulary's size (1e17, fuzz_bpe_vocab and
  // fuzz_tokenizer_json) sized the id table from it: an allocation of exabytes before the
  // contiguity check. Every id at or above the number of entries is now refused first.
  void tokenIdsBeyondTheVocabularyAreRefusedBeforeAllocation() {
    const std::string path = tmpPath("tokenizer.json");
    const auto message_of = [&](const std::string& text) {
      test::writeFile(path, text);
      const EngineError e = errorOf([&] { loadTokenizerJson(path); });
      return e.kind() == ErrorKind::Model ? std::string(e.what()) : std::string("<not a model error>");
    };
    const std::string bpe_head =
        R"({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "normalizer": null, )";
    for (const std::string& text :
         {bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 100000000000000000}, "merges": []}})",
          bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 2}, "merges": []}})",
          bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []},
                        "added_tokens": [{"id": 4000000000000, "content": "<s>", "special": true}]})"}) {
      const std::string m = message_of(text);
      QVERIFY2(m.find("not contiguous") != std::string::npos && m.find("entries") != std::string::npos, m.c_str());
    }
    // the same vocabulary with ids 0..n-1 loads
    test::writeFile(path, bpe_head + R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})");
    const auto tok = loadTokenizerJson(path);
    QCOMPARE(tok->vocabSize(), int64_t(2));
    // a byte-level vocabulary without a byte's symbol: the error found while encoding names the
    // file (fuzz_bpe_vocab found it without a location)
    const EngineError e = errorOf([&] { tok->encode("c"); });
    QCOMPARE(e.kind(), ErrorKind::Model);
    QCOMPARE(e.location(), path);
    QVERIFY(std::string(e.what()).find("'c' is not in the vocabulary") != std::string::npos);
    // decoding an id outside the vocabulary names the file too, for every tokenizer kind
    QCOMPARE(errorOf([&] { tok->decode({99}); }).location(), path);
    test::writeFile(path, R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1}, "unk_token": "[UNK]"}})");
    const auto wp = loadTokenizerJson(path);
    QCOMPARE(errorOf([&] { wp->decode({5}); }).location(), path);
  }
};

QTEST_GUILESS_MAIN(TestUntrustedInput)
#include "test_untrusted_input.moc"
