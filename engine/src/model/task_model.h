// The architecture-agnostic model interface the trainer, PEFT layer and generation use.
// A TaskModel = backbone (HF parameter names) + one task head.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace adamix {

/// Which head sits on the backbone.
enum class HeadType {
  CausalLM,        ///< next-token logits over the vocabulary
  Classification,  ///< num_labels logits from the last non-padding token
  Regression       ///< one score from the last non-padding token (num_labels = 1)
};

/// Incremental-decoding state of one architecture (e.g. a key/value cache), opaque to decoders.
struct DecodeState {
  virtual ~DecodeState() = default;
  /// Keeps rows `rows` [N] int64 of the batch, in that order (beam reordering / expansion).
  virtual void selectRows(const torch::Tensor& rows) = 0;
  /// Number of positions already in the state.
  virtual int64_t length() const = 0;
};

/// Base class of every task model. Parameter names (named_parameters) are the Hugging Face
/// checkpoint names, e.g. "model.layers.0.self_attn.q_proj.weight", "score.weight".
class TaskModelImpl : public torch::nn::Module {
 public:
  ~TaskModelImpl() override = default;

  /// input_ids [B, T] int64, attention_mask [B, T] (1 = token, 0 = padding; right padding;
  /// any integer or bool dtype). Returns Classification -> [B, num_labels] logits,
  /// Regression -> [B], CausalLM -> [B, T, vocab] logits.
  virtual torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) = 0;

  /// CausalLM decoding step with explicit positions (left-padded batches). input_ids [B, T],
  /// attention_mask [B, past + T] (1 = token; covers the state's positions and the new ones),
  /// position_ids [B, T] int64 (RoPE / learned positions of the new tokens) -> logits [B, T, V].
  /// With `state` the new keys/values are appended to it; with nullptr the whole sequence is
  /// given. Architectures without decoding support throw EngineError(Usage).
  virtual torch::Tensor forwardDecode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      const torch::Tensor& position_ids, DecodeState* state);
  /// A fresh, empty decoding state for forwardDecode, or nullptr when the architecture has none
  /// (decoders then re-run the whole sequence each step).
  virtual std::unique_ptr<DecodeState> newDecodeState() { return nullptr; }

  /// Parameter-name prefixes of the trainable task head, e.g. {"score."}; empty for an LM head
  /// that is tied to (or is part of) the frozen backbone.
  virtual std::vector<std::string> headPrefixes() const = 0;

  /// The architecture hyper-parameters the model was built from.
  virtual const ModelConfig& config() const = 0;

  /// Prefix of the backbone's parameter names ("model.", "bert.", "roberta.", "transformer.").
  /// Checkpoints that store the bare backbone without it (HF GPT-2's "h.0.attn.c_attn.weight")
  /// load too; an unknown tensor under it means a different architecture and is rejected.
  virtual std::string backbonePrefix() const = 0;

  /// Tensors a checkpoint may carry that this model does not use and that are harmless (HF
  /// buffers such as "bert.embeddings.position_ids", GPT-2's "h.0.attn.bias" causal mask,
  /// RoBERTa's unused pooler). Names as stored in the file.
  virtual bool ignorableCheckpointTensor(const std::string& name) const {
    (void)name;
    return false;
  }

  /// BERT-style token types: ids after the first `sep_id` get token type 1. Models without
  /// token types ignore it. Called by the trainer when config.json does not name sep_token_id.
  virtual void setSegmentSeparator(int64_t sep_id) { (void)sep_id; }

  virtual HeadType headType() const = 0;
  /// Classification: number of classes; Regression: 1; CausalLM: vocab_size.
  virtual int64_t numLabels() const = 0;
};

}  // namespace adamix
