// Fuzz target: GLUE TSV files in each task's layout (data/glue.h, data/glue_test.h).
// Input: one byte choosing the task and the train/test layout, then the file's text.
#include <fuzzer/FuzzedDataProvider.h>

#include "data/glue.h"
#include "data/glue_test.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& names = adamix::glueTaskNames();
  const uint8_t pick = in.ConsumeIntegral<uint8_t>();
  const auto& spec = adamix::taskSpec(names[pick % names.size()]);
  const bool test_layout = (pick / names.size()) % 2 == 1;
  const bool skip_bad = (pick / names.size() / 2) % 2 == 1;
  const std::string path = adamix::fuzz::writeFile("data.tsv", in.ConsumeRemainingBytesAsString());
  const auto policy = skip_bad ? adamix::BadRowsPolicy::Skip : adamix::BadRowsPolicy::Fail;
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const adamix::LoadedSplit s =
        test_layout ? adamix::loadGlueTestFile(spec, path, policy) : adamix::loadGlueFile(spec, path, policy);
    (void)s;
  });
  return 0;
}
