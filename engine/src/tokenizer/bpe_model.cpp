#include "tokenizer/bpe_model.h"

#include <cstdio>
#include <queue>

#include "io/errors.h"

namespace adamix {

namespace {

uint64_t pairKey(int64_t a, int64_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }

size_t charLen(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

}  // namespace

BpeModel::BpeModel(std::unordered_map<std::string, int64_t> vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges, BpeModelOptions options,
                   const std::string& file)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  auto fail = [&](const std::string& msg, const std::string& field) {
    throw EngineError(ErrorKind::Model, msg, file + ":" + field);
  };
  for (const auto& [tok, id] : vocab_)
    if (id < 0 || id > 0x7fffffff) fail("token '" + tok + "' has id " + std::to_string(id), "/model/vocab");
  merges_.reserve(merges.size());
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    const int64_t ia = tokenToId(a), ib = tokenToId(b), iab = tokenToId(a + b);
    if (ia < 0 || ib < 0 || iab < 0)
      fail("merge " + std::to_string(r) + " '" + a + " " + b + "' uses or makes a token missing from the vocabulary",
           "/model/merges/" + std::to_string(r));
    merges_.insert_or_assign(pairKey(ia, ib),
                             std::make_pair(static_cast<int32_t>(r), iab));  // a repeat: the last wins, as HF
  }
  if (!options_.unk_token.empty()) {
    unk_id_ = tokenToId(options_.unk_token);
    if (unk_id_ < 0) fail("unk_token '" + options_.unk_token + "' is not in the vocabulary", "/model/unk_token");
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = tokenToId(name);
    if (options_.byte_fallback && byte_ids_[b] < 0)
      fail(std::string("byte_fallback is true but the vocabulary has no byte token ") + name, "/model/byte_fallback");
  }
}

int64_t BpeModel::tokenToId(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void BpeModel::tokenize(const std::string& word, std::vector<int64_t>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    const int64_t id = tokenToId(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  // model.rs merge_word: one symbol per character.
  struct Symbol {
    int64_t id;
    int prev, next;
    size_t len;
  };
  std::vector<Symbol> sym;
  auto add = [&](int64_t id, size_t len) {
    const int i = static_cast<int>(sym.size());
    if (i > 0) sym.back().next = i;
    sym.push_back({id, i - 1, -1, len});
  };
  int64_t pending_unk_len = 0;  // an unknown run not yet added (fuse_unk)
  auto flushUnk = [&] {
    if (pending_unk_len > 0) add(unk_id_, static_cast<size_t>(pending_unk_len));
    pending_unk_len = 0;
  };
  for (size_t i = 0; i < word.size();) {
    const size_t len = std::min(charLen(static_cast<unsigned char>(word[i])), word.size() - i);
    const int64_t id = tokenToId(word.substr(i, len));
    if (id >= 0) {
      flushUnk();
      add(id, len);
    } else if (options_.byte_fallback) {
      // All 256 byte tokens exist (checked at load): a character's bytes, no unknown token.
      for (size_t k = 0; k < len; ++k) add(byte_ids_[static_cast<unsigned char>(word[i + k])], 1);
    } else if (unk_id_ >= 0) {
      if (pending_unk_len > 0 && !options_.fuse_unk) flushUnk();
      pending_unk_len += static_cast<int64_t>(len);
    }
    i += len;
  }
  flushUnk();

  // word.rs merge_all: lowest rank first, then leftmost position.
  struct Merge {
    int pos;
    int32_t rank;
    int64_t id;
    bool operator<(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Merge> queue;
  auto lookup = [&](int64_t a, int64_t b) -> const std::pair<int32_t, int64_t>* {
    auto it = merges_.find(pairKey(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  };
  for (size_t i = 0; i + 1 < sym.size(); ++i)
    if (const auto* m = lookup(sym[i].id, sym[i + 1].id)) queue.push({static_cast<int>(i), m->first, m->second});
  while (!queue.empty()) {
    const Merge top = queue.top();
    queue.pop();
    Symbol& cur = sym[top.pos];
    if (cur.len == 0 || cur.next < 0) continue;
    const int next_pos = cur.next;
    const Symbol right = sym[next_pos];
    const auto* m = lookup(cur.id, right.id);
    if (!m || m->second != top.id) continue;
    cur.id = top.id;
    cur.len += right.len;
    cur.next = right.next;
    sym[next_pos].len = 0;
    if (right.next >= 0) sym[right.next].prev = top.pos;
    if (cur.prev >= 0)
      if (const auto* p = lookup(sym[cur.prev].id, cur.id)) queue.push({cur.prev, p->first, p->second});
    if (cur.next >= 0)
      if (const auto* n = lookup(cur.id, sym[cur.next].id)) queue.push({top.pos, n->first, n->second});
  }
  for (const auto& s : sym)
    if (s.len != 0) out.push_back(s.id);
}

}  // namespace adamix
