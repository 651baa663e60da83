// Fuzz target: own dataset files (data/table_file.h, data/own_task.h) — CSV through libcsv, TSV,
// JSONL — loaded as a classification task with its label set inferred, a regression task, or a
// generation task (JSONL). Input: one byte choosing format, task type and bad-rows policy, then
// the file's text. Columns: text, pair, label (input, refs for generation).
#include <fuzzer/FuzzedDataProvider.h>

#include "config/run_config.h"
#include "data/own_task.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const uint8_t pick = in.ConsumeIntegral<uint8_t>();
  static const char* kFormats[] = {"csv", "tsv", "jsonl"};
  adamix::TaskConfig t;
  t.name = "fuzzed";
  t.format = kFormats[pick % 3];
  t.type = (pick / 3) % 3 == 0 ? "classification" : (pick / 3) % 3 == 1 ? "regression" : "generation";
  if (t.type == "generation") t.format = "jsonl";
  t.bad_rows = (pick / 9) % 2 ? adamix::BadRowsPolicy::Skip : adamix::BadRowsPolicy::Fail;
  t.text_column = "text";
  t.text_pair_column = (pick / 18) % 2 ? "pair" : "";
  t.label_column = "label";
  t.input_column = "input";
  t.reference_columns = {"refs", "ref"};
  t.metric = t.type == "regression" ? "pearson" : t.type == "generation" ? "bleu" : "accuracy";
  t.train_file = "data." + t.format;
  t.dev_file = t.train_file;
  const std::string path = adamix::fuzz::writeFile(t.train_file, in.ConsumeRemainingBytesAsString());
  t.data_dir = path.substr(0, path.rfind('/'));
  ADAMIX_FUZZ_EXPECT_REJECTION({
    if (t.type == "generation") {
      (void)adamix::loadGenerationFile(t, path);
    } else {
      const adamix::TableFile table = adamix::readTable(path, t.format, 20);
      if (!table.columns.empty() && adamix::tableColumn(table, "label") >= 0) (void)adamix::labelDistribution(table, "label");
      const adamix::TaskConfig resolved = adamix::resolveOwnLabels(t);
      (void)adamix::loadTaskSplit(resolved, "train", resolved.bad_rows);
    }
  });
  return 0;
}
