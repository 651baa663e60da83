// Fuzz target: a model's config.json (model/model_config.h), as Hugging Face writes it.
#include "fuzz_support.h"
#include "io/untrusted_input.h"
#include "model/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto j = adamix::parseJsonBounded(text, "config.json", adamix::ErrorKind::Model);
    (void)adamix::parseModelConfig(j, "config.json");
  });
  return 0;
}
