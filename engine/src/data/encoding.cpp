#include "data/encoding.h"

#include <string>

#include "io/errors.h"

namespace adamix {

PairTemplate decoderTemplate(int64_t bos, int64_t eos) { return {{bos}, {eos}, {eos}}; }

PairTemplate bertTemplate(int64_t cls, int64_t sep) { return {{cls}, {sep}, {sep}}; }

size_t numSpecialTokens(const PairTemplate& t, bool pair) {
  return t.prefix.size() + t.suffix.size() + (pair ? t.middle.size() : 0);
}

void truncateLongestFirst(std::vector<int64_t>& a, std::vector<int64_t>* b, size_t num_to_remove) {
  for (size_t i = 0; i < num_to_remove; ++i) {
    if (b == nullptr || a.size() > b->size()) {
      if (a.empty()) return;
      a.pop_back();
    } else {
      if (b->empty()) return;  // both empty (a.size() <= b.size() == 0)
      b->pop_back();
    }
  }
}

std::vector<int64_t> encodePair(const std::vector<int64_t>& a, const std::vector<int64_t>* b, const PairTemplate& tmpl,
                                int64_t max_len) {
  const bool pair = b != nullptr;
  const size_t specials = numSpecialTokens(tmpl, pair);
  std::vector<int64_t> ta = a;
  std::vector<int64_t> tb = pair ? *b : std::vector<int64_t>{};
  if (max_len > 0) {
    if (static_cast<size_t>(max_len) <= specials)
      throw EngineError(ErrorKind::Config,
                        "max_seq_length " + std::to_string(max_len) + " leaves no room for text (" +
                            std::to_string(specials) + " special tokens)",
                        "/task/max_seq_length");
    const size_t total = ta.size() + tb.size() + specials;
    if (total > static_cast<size_t>(max_len))
      truncateLongestFirst(ta, pair ? &tb : nullptr, total - static_cast<size_t>(max_len));
  }
  std::vector<int64_t> out;
  out.reserve(ta.size() + tb.size() + specials);
  out.insert(out.end(), tmpl.prefix.begin(), tmpl.prefix.end());
  out.insert(out.end(), ta.begin(), ta.end());
  if (pair) {
    out.insert(out.end(), tmpl.middle.begin(), tmpl.middle.end());
    out.insert(out.end(), tb.begin(), tb.end());
  }
  out.insert(out.end(), tmpl.suffix.begin(), tmpl.suffix.end());
  return out;
}

}  // namespace adamix
