#include "tokenizer/sentencepiece_tokenizer.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <queue>
#include <sstream>

#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {
namespace {

const std::string kSpace = "\xE2\x96\x81";        // U+2581, SentencePiece's whitespace symbol
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// ---- minimal protobuf wire-format reader (proto2, no groups) ----
struct Wire {
  const unsigned char* p;
  const unsigned char* end;
  const std::string& path;
  [[noreturn]] void bad(const std::string& why) const {
    throw EngineError(ErrorKind::Model, "not a valid SentencePiece model (" + why + ")", path);
  }
  bool done() const { return p >= end; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) bad("truncated varint");
      const unsigned char c = *p++;
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    bad("varint too long");
  }
  // Reads a field key; returns false at the end.
  bool key(uint32_t& field, uint32_t& wire) {
    if (done()) return false;
    const uint64_t k = varint();
    field = static_cast<uint32_t>(k >> 3);
    wire = static_cast<uint32_t>(k & 7);
    if (field == 0) bad("field number 0");
    return true;
  }
  Wire sub() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end - p)) bad("length beyond the end of the data");
    Wire w{p, p + n, path};
    p += n;
    return w;
  }
  std::string bytes() {
    Wire w = sub();
    return std::string(reinterpret_cast<const char*>(w.p), w.end - w.p);
  }
  float fixed32f() {
    if (end - p < 4) bad("truncated fixed32");
    uint32_t u = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    p += 4;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case 0: varint(); break;
      case 1:
        if (end - p < 8) bad("truncated fixed64");
        p += 8;
        break;
      case 2: sub(); break;
      case 5:
        if (end - p < 4) bad("truncated fixed32");
        p += 4;
        break;
      default: bad("unsupported wire type " + std::to_string(wire));
    }
  }
};

// sentencepiece string_util::OneCharLen: length from the lead byte only.
size_t oneCharLen(unsigned char c) {
  static const unsigned char table[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return table[c >> 4];
}

// sentencepiece string_util::IsValidDecodeUTF8: true for a well-formed character (a literal U+FFFD
// is valid); `len` = bytes consumed (1 for a malformed byte).
bool validUtf8Char(const char* s, size_t n, size_t& len) {
  const auto* b = reinterpret_cast<const unsigned char*>(s);
  len = 1;
  if (n == 0) return false;
  const unsigned char c = b[0];
  if (c < 0x80) return true;
  auto cont = [&](size_t i) { return i < n && (b[i] & 0xC0) == 0x80; };
  auto okcp = [](uint32_t cp) { return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF); };
  if ((c & 0xE0) == 0xC0 && cont(1)) {
    const uint32_t cp = (uint32_t(c & 0x1F) << 6) | (b[1] & 0x3F);
    if (cp >= 0x80) {
      len = 2;
      return true;
    }
  } else if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    const uint32_t cp = (uint32_t(c & 0x0F) << 12) | (uint32_t(b[1] & 0x3F) << 6) | (b[2] & 0x3F);
    if (cp >= 0x800 && okcp(cp)) {
      len = 3;
      return true;
    }
  } else if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    const uint32_t cp =
        (uint32_t(c & 0x07) << 18) | (uint32_t(b[1] & 0x3F) << 12) | (uint32_t(b[2] & 0x3F) << 6) | (b[3] & 0x3F);
    if (cp >= 0x10000 && okcp(cp)) {
      len = 4;
      return true;
    }
  }
  len = 1;
  return false;
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  size_t i = 0;
  while (true) {
    const size_t j = s.find(from, i);
    if (j == std::string::npos) break;
    out.append(s, i, j - i);
    out += to;
    i = j + from.size();
  }
  out.append(s, i, std::string::npos);
  return out;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw EngineError(ErrorKind::Model, "tokenizer file not found", path);
  parse(readFileBounded(path, kMaxVocabularyFileBytes, ErrorKind::Model, "tokenizer file"));
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& bytes, const std::string& path) : path_(path) {
  parse(bytes);
}

void SentencePieceTokenizer::parse(const std::string& bytes) {
  Wire top{reinterpret_cast<const unsigned char*>(bytes.data()),
           reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size(), path_};
  int model_type = 1;  // UNIGRAM is the proto default
  bool treat_ws_suffix = false;
  std::string charsmap, denorm_charsmap;
  uint32_t f, w;
  while (top.key(f, w)) {
    if (f == 1 && w == 2) {  // repeated SentencePiece pieces
      Wire pw = top.sub();
      Piece pc;
      uint32_t pf, pwt;
      while (pw.key(pf, pwt)) {
        if (pf == 1 && pwt == 2)
          pc.text = pw.bytes();
        else if (pf == 2 && pwt == 5)
          pc.score = pw.fixed32f();
        else if (pf == 3 && pwt == 0) {
          const uint64_t t = pw.varint();
          if (t < 1 || t > 6) top.bad("piece type " + std::to_string(t));
          pc.type = static_cast<PieceType>(t);
        } else
          pw.skip(pwt);
      }
      pieces_.push_back(std::move(pc));
    } else if (f == 2 && w == 2) {  // TrainerSpec
      Wire tw = top.sub();
      uint32_t tf, twt;
      while (tw.key(tf, twt)) {
        if (tf == 3 && twt == 0)
          model_type = static_cast<int>(tw.varint());
        else if (tf == 24 && twt == 0)
          treat_ws_suffix = tw.varint() != 0;
        else if (tf == 35 && twt == 0)
          byte_fallback_ = tw.varint() != 0;
        else if (tf == 44 && twt == 2) {
          unk_surface_ = tw.bytes();
          has_unk_surface_ = true;
        } else if (tf == 45 && twt == 2)
          unk_piece_ = tw.bytes();
        else if (tf == 46 && twt == 2)
          bos_piece_ = tw.bytes();
        else if (tf == 47 && twt == 2)
          eos_piece_ = tw.bytes();
        else if (tf == 48 && twt == 2)
          pad_piece_ = tw.bytes();
        else
          tw.skip(twt);
      }
    } else if ((f == 3 || f == 5) && w == 2) {  // NormalizerSpec / denormalizer
      Wire nw = top.sub();
      uint32_t nf, nwt;
      while (nw.key(nf, nwt)) {
        if (nf == 2 && nwt == 2)
          (f == 3 ? charsmap : denorm_charsmap) = nw.bytes();
        else if (f == 3 && nf == 3 && nwt == 0)
          add_dummy_prefix_ = nw.varint() != 0;
        else if (f == 3 && nf == 4 && nwt == 0)
          remove_extra_whitespaces_ = nw.varint() != 0;
        else if (f == 3 && nf == 5 && nwt == 0)
          escape_whitespaces_ = nw.varint() != 0;
        else
          nw.skip(nwt);
      }
    } else {
      top.skip(w);
    }
  }
  if (pieces_.empty()) top.bad("no pieces");
  auto unsupported = [&](const std::string& what) {
    throw EngineError(ErrorKind::Model, "unsupported SentencePiece model: " + what, path_);
  };
  if (model_type != 2) unsupported("model_type " + std::to_string(model_type) + " (only BPE = 2 is implemented)");
  if (!charsmap.empty() || !denorm_charsmap.empty())
    unsupported("precompiled normalisation rules (only the identity normaliser is implemented)");
  if (treat_ws_suffix) unsupported("treat_whitespace_as_suffix");

  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  bool have_unk = false;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const auto& pc = pieces_[i];
    if (pc.text.empty()) top.bad("empty piece at id " + std::to_string(i));
    const bool normal =
        pc.type == PieceType::Normal || pc.type == PieceType::UserDefined || pc.type == PieceType::Unused;
    if (!(normal ? normal_ : reserved_).emplace(pc.text, static_cast<int64_t>(i)).second)
      top.bad("piece '" + pc.text + "' defined twice");
    if (pc.type == PieceType::UserDefined) user_symbols_.push_back(pc.text);
    if (pc.type == PieceType::Unknown) {
      if (have_unk) top.bad("more than one unknown piece");
      unk_id_ = static_cast<int64_t>(i);
      have_unk = true;
    }
    if (pc.type == PieceType::Byte) {
      unsigned v = 0;
      if (pc.text.size() != 6 || std::sscanf(pc.text.c_str(), "<0x%2X>", &v) != 1 || v > 255)
        top.bad("malformed byte piece '" + pc.text + "'");
      byte_ids_[v] = static_cast<int>(i);
    }
  }
  if (!have_unk) top.bad("no unknown piece");
  if (byte_fallback_)
    for (int b = 0; b < 256; ++b)
      if (byte_ids_[b] < 0) top.bad("byte_fallback without a piece for every byte");

  auto specialId = [&](const std::string& p) -> int64_t {
    auto it = reserved_.find(p);
    return it != reserved_.end() && pieces_[it->second].type == PieceType::Control ? it->second : -1;
  };
  bos_id_ = specialId(bos_piece_);
  eos_id_ = specialId(eos_piece_);
  const int64_t pad = specialId(pad_piece_);
  pad_id_ = pad >= 0 ? pad : 0;
}

int64_t SentencePieceTokenizer::pieceToId(const std::string& p) const {
  auto r = reserved_.find(p);
  if (r != reserved_.end()) return r->second;
  auto n = normal_.find(p);
  if (n != normal_.end()) return n->second;
  return unk_id_;
}

size_t SentencePieceTokenizer::userSymbolPrefix(const char* s, size_t n) const {
  size_t best = 0;
  for (const auto& u : user_symbols_)
    if (u.size() <= n && u.size() > best && std::memcmp(s, u.data(), u.size()) == 0) best = u.size();
  return best;
}

// normalizer.cc Normalizer::Normalize with the identity rule set.
std::string SentencePieceTokenizer::normalize(const std::string& text) const {
  std::string out;
  const char* s = text.data();
  size_t n = text.size();
  // One normalised unit: a user-defined symbol, a valid UTF-8 character, or U+FFFD for one bad byte.
  auto prefix = [&](const char* q, size_t m, std::string& unit) -> size_t {
    if (const size_t u = userSymbolPrefix(q, m)) {
      unit.assign(q, u);
      return u;
    }
    size_t len = 1;
    if (validUtf8Char(q, m, len)) {
      unit.assign(q, len);
      return len;
    }
    // A literal U+FFFD is "valid" for sentencepiece (IsValidDecodeUTF8 accepts it).
    if (m >= 3 && std::memcmp(q, kReplacement.data(), 3) == 0) {
      unit = kReplacement;
      return 3;
    }
    unit = kReplacement;
    return 1;
  };
  std::string unit;
  if (remove_extra_whitespaces_) {
    while (n > 0) {
      const size_t c = prefix(s, n, unit);
      if (unit != " ") break;
      s += c;
      n -= c;
    }
  }
  if (n == 0) return out;
  const std::string space = escape_whitespaces_ ? kSpace : " ";
  if (add_dummy_prefix_) out += space;
  bool is_prev_space = remove_extra_whitespaces_;
  while (n > 0) {
    const size_t c = prefix(s, n, unit);
    std::string_view sp = unit;
    while (is_prev_space && !sp.empty() && sp.front() == ' ') sp.remove_prefix(1);
    if (!sp.empty()) {
      for (char ch : sp) {
        if (ch == ' ')
          out += space;
        else
          out += ch;
      }
      is_prev_space = sp.back() == ' ';
    }
    s += c;
    n -= c;
    if (!remove_extra_whitespaces_) is_prev_space = false;
  }
  if (remove_extra_whitespaces_)
    while (out.size() >= space.size() && out.compare(out.size() - space.size(), space.size(), space) == 0)
      out.resize(out.size() - space.size());
  return out;
}

// bpe_model.cc Model::SampleEncode (no dropout) + sentencepiece_processor.cc byte fallback.
void SentencePieceTokenizer::encodeWord(const std::string& normalized, std::vector<int64_t>& out) const {
  struct Symbol {
    int prev, next;
    size_t begin, len;
    bool freeze;
  };
  struct Pair {
    int left, right;
    float score;
    size_t size;
  };
  struct Lower {  // priority: higher score first, then leftmost
    bool operator()(const Pair& a, const Pair& b) const {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
  };
  std::vector<Symbol> sym;
  const char* s = normalized.data();
  const size_t n = normalized.size();
  for (size_t i = 0; i < n;) {
    size_t len = userSymbolPrefix(s + i, n - i);
    const bool freeze = len > 0;
    if (!freeze) len = std::min(n - i, oneCharLen(static_cast<unsigned char>(s[i])));
    const int idx = static_cast<int>(sym.size());
    sym.push_back({idx - 1, i + len < n ? idx + 1 : -1, i, len, freeze});
    i += len;
  }
  std::priority_queue<Pair, std::vector<Pair>, Lower> agenda;
  std::map<std::string, std::pair<std::string, std::string>> rev_merge;
  auto maybeAdd = [&](int left, int right) {
    if (left < 0 || right < 0 || sym[left].freeze || sym[right].freeze) return;
    const std::string piece(s + sym[left].begin, sym[left].len + sym[right].len);
    auto it = normal_.find(piece);
    if (it == normal_.end()) return;
    agenda.push({left, right, pieces_[it->second].score, piece.size()});
    if (pieces_[it->second].type == PieceType::Unused)
      rev_merge[piece] = {std::string(s + sym[left].begin, sym[left].len),
                          std::string(s + sym[right].begin, sym[right].len)};
  };
  for (size_t i = 1; i < sym.size(); ++i) maybeAdd(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    auto& L = sym[top.left];
    auto& R = sym[top.right];
    if (L.len == 0 || R.len == 0 || L.len + R.len != top.size) continue;
    L.len += R.len;
    L.next = R.next;
    if (R.next >= 0) sym[R.next].prev = top.left;
    R.len = 0;
    maybeAdd(L.prev, top.left);
    maybeAdd(top.left, L.next);
  }

  bool prev_unk = false;
  auto emit = [&](const std::string& w, int64_t id) {
    const bool is_unk = pieces_[id].type == PieceType::Unknown;
    if (pieces_[id].type == PieceType::Control) {
      out.push_back(id);
    } else if (is_unk && byte_fallback_) {
      for (unsigned char b : w) out.push_back(byte_ids_[b]);
    } else if (!(is_unk && prev_unk)) {  // a run of unknown pieces becomes one <unk>
      out.push_back(id);
    }
    prev_unk = is_unk;
  };
  std::function<void(const std::string&)> resegment = [&](const std::string& w) {
    const int64_t id = pieceToId(w);
    if (pieces_[id].type != PieceType::Unused) return emit(w, id);
    auto p = rev_merge.find(w);
    if (p == rev_merge.end()) return emit(w, id);
    resegment(p->second.first);
    resegment(p->second.second);
  };
  if (sym.empty()) return;
  for (int i = 0; i != -1; i = sym[i].next) resegment(std::string(s + sym[i].begin, sym[i].len));
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> out;
  encodeWord(normalize(text), out);
  return out;
}

// sentencepiece_processor.cc SentencePieceProcessor::Decode (0.1.97).
std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  const int64_t V = vocabSize();
  std::string text;
  std::string bytes;
  auto flush = [&] {
    size_t off = 0;
    while (off < bytes.size()) {
      size_t len = 1;
      if (validUtf8Char(bytes.data() + off, bytes.size() - off, len) ||
          (bytes.size() - off >= 3 && bytes.compare(off, 3, kReplacement) == 0 && (len = 3)))
        text.append(bytes, off, len);
      else
        text += kReplacement;
      off += len;
    }
    bytes.clear();
  };
  for (int64_t id : ids) {
    if (id < 0 || id >= V)
      throw EngineError(ErrorKind::Model,
                        "token id " + std::to_string(id) + " outside the vocabulary [0, " + std::to_string(V) + ")",
                        path_);
    const Piece& pc = pieces_[id];
    if (pc.type == PieceType::Byte) {
      unsigned v = 0;
      std::sscanf(pc.text.c_str(), "<0x%2X>", &v);
      bytes.push_back(static_cast<char>(v));
      continue;
    }
    flush();
    if (pc.type == PieceType::Control) continue;
    if (pc.type == PieceType::Unknown) {
      text += unk_surface_;
      continue;
    }
    std::string_view piece = pc.text;
    if (text.empty() && (add_dummy_prefix_ || remove_extra_whitespaces_) && piece.substr(0, kSpace.size()) == kSpace)
      piece.remove_prefix(kSpace.size());
    text += replaceAll(std::string(piece), kSpace, " ");
  }
  flush();
  return text;
}

std::string SentencePieceTokenizer::piece(int64_t id) const {
  if (id < 0 || id >= vocabSize())
    throw EngineError(ErrorKind::Model, "token id " + std::to_string(id) + " outside the vocabulary", path_);
  return pieces_[id].text;
}

}  // namespace adamix
