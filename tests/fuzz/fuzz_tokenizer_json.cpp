// Fuzz target: a Hugging Face `tokenizer.json` (tokenizer/tokenizer_json.h), then encoding with it.
#include "fuzz_support.h"
#include "tokenizer/tokenizer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = adamix::fuzz::writeFile("tokenizer.json", bytes);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto tok = adamix::loadTokenizerJson(path);
    adamix::fuzz::exerciseTokenizer(*tok, bytes.substr(bytes.size() / 2));
  });
  return 0;
}
