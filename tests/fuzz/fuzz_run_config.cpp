// Fuzz target: a run config (config/run_config.h). Property: an accepted config round-trips,
// toJson(parse(toJson(c))) == toJson(c).
#include "config/run_config.h"
#include "fuzz_support.h"
#include "io/untrusted_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto j = adamix::parseJsonBounded(text, "run.json", adamix::ErrorKind::Config);
    const auto once = adamix::toJson(adamix::parseRunConfig(j));
    const auto twice = adamix::toJson(adamix::parseRunConfig(once));
    if (once != twice) __builtin_trap();
  });
  return 0;
}
