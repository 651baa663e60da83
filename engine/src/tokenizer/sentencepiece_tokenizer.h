// SentencePiece `tokenizer.model` (Llama family and other SentencePiece BPE models).
//
// Why not libsentencepiece in-process: Debian's libsentencepiece.so.0 carries its own
// protobuf-lite 3.14 with exported symbols, while LibTorch pulls in libprotobuf.so.32 (3.21);
// loading both into one process crashes in static initialisation (or aborts with a protobuf
// version mismatch, depending on link order). So the engine reads the model proto itself and
// re-implements the encoder/decoder of sentencepiece 0.1.97 (normalizer.cc identity rules,
// bpe_model.cc, sentencepiece_processor.cc byte fallback and decoding). The result is checked
// token-for-token against libsentencepiece by a separate test program that does not link LibTorch
// (tests/engine/spm_parity.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace adamix {

/// SentencePiece BPE tokenizer. Supported: model_type BPE, identity normalisation (no
/// precompiled_charsmap), add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces,
/// user-defined symbols, unused pieces, byte fallback. Unigram models and NFKC-style charsmaps
/// are rejected with EngineError(Model) rather than tokenised differently.
class SentencePieceTokenizer : public Tokenizer {
 public:
  /// Loads `path`. Throws EngineError(Model, msg, path) when it is missing, not a valid model
  /// proto, or uses an unsupported feature.
  explicit SentencePieceTokenizer(const std::string& path);
  /// Parses serialized ModelProto bytes; `path` only labels errors.
  SentencePieceTokenizer(const std::string& bytes, const std::string& path);
  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocabSize() const override { return static_cast<int64_t>(pieces_.size()); }
  std::string kind() const override { return "sentencepiece"; }
  /// The piece string of an id ("▁Once"); throws EngineError(Model) when out of range.
  std::string piece(int64_t id) const;
  /// The normalised text the encoder segments ("▁Once▁upon"), as SentencePiece's normalizer.
  std::string normalize(const std::string& text) const;

  enum class PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

 private:
  struct Piece {
    std::string text;
    float score = 0;
    PieceType type = PieceType::Normal;
  };
  void parse(const std::string& bytes);
  int64_t pieceToId(const std::string& p) const;
  void encodeWord(const std::string& normalized, std::vector<int64_t>& out) const;
  size_t userSymbolPrefix(const char* s, size_t n) const;

  std::string path_;
  std::vector<Piece> pieces_;
  std::unordered_map<std::string, int64_t> normal_;    ///< NORMAL, USER_DEFINED, UNUSED
  std::unordered_map<std::string, int64_t> reserved_;  ///< CONTROL, UNKNOWN, BYTE
  std::vector<std::string> user_symbols_;
  int64_t unk_id_ = 0;
  int byte_ids_[256];
  bool byte_fallback_ = false;
  bool add_dummy_prefix_ = true, remove_extra_whitespaces_ = true, escape_whitespaces_ = true;
  bool has_unk_surface_ = false;
  std::string unk_surface_ = " \xE2\x81\x87 ";
  std::string unk_piece_ = "<unk>", bos_piece_ = "<s>", eos_piece_ = "</s>", pad_piece_ = "<pad>";
};

}  // namespace adamix
