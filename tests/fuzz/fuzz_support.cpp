#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace adamix::fuzz {

const std::string& tempDir() {
  static const std::string dir = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    if (const char* t = std::getenv("ADAMIX_FUZZ_TMPDIR")) base = t;
    fs::path d = base / ("adamix-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d, ec);
    if (ec) {
      std::fprintf(stderr, "fuzz: cannot create %s: %s\n", d.c_str(), ec.message().c_str());
      std::abort();
    }
    // removed when the fuzzer exits normally (-max_total_time, -runs)
    static const std::string keep = d.string();
    std::atexit([] {
      std::error_code e2;
      std::filesystem::remove_all(keep, e2);
    });
    return d.string();
  }();
  return dir;
}

std::string writeFile(const std::string& name, std::string_view bytes) {
  const std::string path = tempDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

void removeFile(const std::string& name) {
  std::error_code ec;
  std::filesystem::remove(tempDir() + "/" + name, ec);
}

void checkError(const EngineError& e) {
  if (e.location().empty() || e.message().empty()) {
    std::fprintf(stderr, "fuzz: error without location or message: kind %s, \"%s\"\n", errorKindName(e.kind()),
                 e.what());
    std::abort();
  }
}

void exerciseTokenizer(const Tokenizer& tokenizer, std::string_view extra) {
  static const char kControl[] = "tab\tnew\nline\r\x01\x7F nul\0end";  // with its NUL
  static const std::vector<std::string> texts = {
      "Once upon a time, there was a little girl.",
      "  The movie's plot -- unremarkable; 3.5/10!  ",
      "na\xC3\xAFve caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80",
      std::string(kControl, sizeof kControl - 1),
      "\xFF\xFE invalid \xC3 utf-8 \xE2\x82",
      "",
  };
  const int64_t n = tokenizer.vocabSize();
  auto check = [&](const std::string& text) {
    const std::vector<int64_t> ids = tokenizer.encode(text);
    for (int64_t id : ids)
      if (id < 0 || id >= n) {
        std::fprintf(stderr, "fuzz: id %lld outside the vocabulary of %lld\n", static_cast<long long>(id),
                     static_cast<long long>(n));
        std::abort();
      }
    (void)tokenizer.decode(ids);
  };
  for (const auto& t : texts) check(t);
  check(std::string(extra.substr(0, 256)));
  (void)tokenizer.pairTemplate();
}

}  // namespace adamix::fuzz
