// Fuzz target: a safetensors file's header (length prefix + JSON), io/safetensors_header.h.
// Input: the first bytes of a .safetensors file (the data section may be cut; its size is what
// remains after the header).
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.h"
#include "io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ADAMIX_FUZZ_EXPECT_REJECTION({
    unsigned char len[8] = {};
    for (size_t i = 0; i < 8 && i < size; ++i) len[i] = data[i];
    const uint64_t n = adamix::safetensorsHeaderLength(len, size, "fuzz.safetensors");
    const std::string_view text(reinterpret_cast<const char*>(data) + 8, n);
    const adamix::SafetensorsHeader h = adamix::parseSafetensorsHeader(text, size - 8 - n, "fuzz.safetensors");
    // every accepted entry lies inside the data section with the size its dtype and shape need
    for (const auto& [name, e] : h.entries)
      if (e.end > size - 8 - n || e.begin > e.end) __builtin_trap();
  });
  return 0;
}
