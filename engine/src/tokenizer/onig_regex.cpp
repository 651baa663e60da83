#include "tokenizer/onig_regex.h"

#include <oniguruma.h>

#include <mutex>

#include "io/errors.h"

namespace adamix {

struct OnigRegex::Impl {
  regex_t* reg = nullptr;
};

namespace {

// Oniguruma's API notes: threads must not create or free regex objects at the same time (even
// different ones); searching one compiled object from several threads is fine.
std::mutex& compileMutex() {
  static std::mutex m;
  return m;
}

void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

std::string onigMessage(int code, OnigErrorInfo* info) {
  OnigUChar buf[ONIG_MAX_ERROR_MESSAGE_LEN];
  const int n = info ? onig_error_code_to_str(buf, code, info) : onig_error_code_to_str(buf, code);
  return std::string(reinterpret_cast<const char*>(buf), n > 0 ? static_cast<size_t>(n) : 0);
}

size_t utf8Len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

}  // namespace

OnigRegex::OnigRegex(const std::string& pattern, const std::string& where) : impl_(new Impl), where_(where) {
  initOnce();
  OnigErrorInfo info;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
  std::lock_guard<std::mutex> lock(compileMutex());
  const int r =
      onig_new(&impl_->reg, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
  if (r != ONIG_NORMAL) {
    impl_->reg = nullptr;
    throw EngineError(ErrorKind::Model, "invalid regular expression '" + pattern + "': " + onigMessage(r, &info),
                      where);
  }
}

OnigRegex::~OnigRegex() {
  if (impl_ && impl_->reg) {
    std::lock_guard<std::mutex> lock(compileMutex());
    onig_free(impl_->reg);
  }
}

std::vector<std::pair<size_t, size_t>> OnigRegex::findAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  const auto* s = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = s + text.size();
  std::unique_ptr<OnigRegion, void (*)(OnigRegion*)> region(onig_region_new(),
                                                            [](OnigRegion* r) { onig_region_free(r, 1); });
  size_t pos = 0;
  bool have_last = false;
  size_t last_end = 0;
  while (pos <= text.size()) {
    const int r = onig_search(impl_->reg, s, end, s + pos, end, region.get(), ONIG_OPTION_NONE);
    if (r == ONIG_MISMATCH) break;
    if (r < 0)
      throw EngineError(ErrorKind::Model, "regular expression search failed: " + onigMessage(r, nullptr), where_);
    const size_t b = static_cast<size_t>(region->beg[0]), e = static_cast<size_t>(region->end[0]);
    if (b == e) {
      // An empty match: step over one character so the search moves on.
      const bool skip = have_last && last_end == e;
      pos = e < text.size() ? e + utf8Len(static_cast<unsigned char>(text[e])) : text.size() + 1;
      if (skip) continue;
    } else {
      pos = e;
    }
    out.emplace_back(b, e);
    have_last = true;
    last_end = e;
  }
  return out;
}

}  // namespace adamix
