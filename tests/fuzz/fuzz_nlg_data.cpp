// Fuzz target: the NLG datasets E2E (CSV), WebNLG and DART (JSON), data/nlg_data.h.
// Input: one byte choosing the format, then the file's bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include "data/nlg_data.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const char* const formats[] = {"e2e", "webnlg", "dart"};
  const char* format = formats[in.ConsumeIntegral<uint8_t>() % 3];
  const std::string path = adamix::fuzz::writeFile("data.nlg", in.ConsumeRemainingBytesAsString());
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const adamix::NlgDataset d = adamix::loadNlgDataset(format, path);
    (void)adamix::groupByInput(d.pairs);
  });
  return 0;
}
