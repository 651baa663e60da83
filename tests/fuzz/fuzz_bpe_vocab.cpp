// Fuzz target: a byte-level BPE `vocab.json` + `merges.txt` pair (tokenizer/bpe_tokenizer.h),
// then encoding with it. Input: vocab.json's text, the line "--merges--", merges.txt's text
// (tests/fuzz/make_seeds.py writes the seeds that way).
#include "fuzz_support.h"
#include "tokenizer/bpe_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSeparator = "\n--merges--\n";
  const size_t at = bytes.find(kSeparator);
  const std::string_view vocab = bytes.substr(0, at);
  const std::string_view merges = at == std::string_view::npos ? std::string_view() : bytes.substr(at + kSeparator.size());
  const std::string vocab_path = adamix::fuzz::writeFile("vocab.json", vocab);
  const std::string merges_path = adamix::fuzz::writeFile("merges.txt", merges);
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto tok = adamix::BpeTokenizer::fromFiles(vocab_path, merges_path);
    adamix::fuzz::exerciseTokenizer(*tok, merges);
  });
  return 0;
}
