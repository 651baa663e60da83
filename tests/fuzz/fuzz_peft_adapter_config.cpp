// Fuzz target: checkpoint import's configs — a PEFT `adapter_config.json`
// (artifacts/peft_adapter_config.h) and the official AdaMix code's config.json keys
// (artifacts/official_adamix_config.h) — mapped onto the engine's PEFT config.
// Input: one byte choosing which, then the file's text.
#include <fuzzer/FuzzedDataProvider.h>

#include "artifacts/official_adamix_config.h"
#include "artifacts/peft_adapter_config.h"
#include "config/run_config.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool official = in.ConsumeBool();
  const std::string text = in.ConsumeRemainingBytesAsString();
  const adamix::PeftConfig base = adamix::defaultRunConfig("rte").peft;
  ADAMIX_FUZZ_EXPECT_REJECTION({
    if (official) {
      adamix::fuzz::writeFile("config.json", text);
      if (const auto c = adamix::readOfficialAdaMixConfig(adamix::fuzz::tempDir()))
        (void)adamix::officialPeftConfig(*c, base);
    } else {
      adamix::fuzz::writeFile("adapter_config.json", text);
      const auto c = adamix::readPeftAdapterConfig(adamix::fuzz::tempDir());
      (void)adamix::peftAdapterPeftConfig(c, base);
    }
  });
  return 0;
}
