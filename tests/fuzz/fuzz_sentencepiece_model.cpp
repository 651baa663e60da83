// Fuzz target: a SentencePiece `tokenizer.model` (serialized ModelProto, protobuf wire format;
// tokenizer/sentencepiece_tokenizer.h), then encoding with it.
#include "fuzz_support.h"
#include "tokenizer/sentencepiece_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const adamix::SentencePieceTokenizer tok(bytes, "tokenizer.model");
    adamix::fuzz::exerciseTokenizer(tok, std::string_view(bytes).substr(size / 2));
  });
  return 0;
}
