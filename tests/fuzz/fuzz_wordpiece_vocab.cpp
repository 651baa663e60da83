// Fuzz target: a WordPiece `vocab.txt` (tokenizer/wordpiece_tokenizer.h), then encoding with it.
#include "fuzz_support.h"
#include "tokenizer/wordpiece_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = adamix::fuzz::writeFile("vocab.txt", bytes);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto tok = adamix::WordPieceTokenizer::fromVocabTxt(path);
    adamix::fuzz::exerciseTokenizer(*tok, bytes);
  });
  return 0;
}
