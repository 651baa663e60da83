// GPT-2 backbone + task heads, reading top to bottom like HF transformers
// models/gpt2/modeling_gpt2.py, with the same parameter names:
//   transformer.wte.weight, transformer.wpe.weight,
//   transformer.h.N.ln_1.{weight,bias}, transformer.h.N.attn.c_attn.{weight,bias} (Conv1D [d, 3d]),
//   transformer.h.N.attn.c_proj.{weight,bias}, transformer.h.N.ln_2.{weight,bias},
//   transformer.h.N.mlp.c_fc.{weight,bias}, transformer.h.N.mlp.c_proj.{weight,bias},
//   transformer.ln_f.{weight,bias}; LM head tied to wte; score.weight (classification).
// HF's own GPT-2 checkpoints store the names without "transformer." (h.0.attn.c_attn.weight,
// wte.weight) and the causal-mask buffers h.N.attn.bias / masked_bias: both are accepted.
// Pre-LN; tanh GELU ("gelu_new"). Adapters: `ffn_adapter` after mlp.c_proj and `attn_adapter`
// after attn.c_proj, both before the residual add. LoRA targets: c_attn (q and v slices, as
// loralib MergedLinear enable_lora = [True, False, True]; "c_attn.q"/"c_attn.k"/"c_attn.v" or
// q_proj/k_proj/v_proj select a slice, and the slices selected on one c_attn form one merged
// mixture), c_proj (attention and MLP; o_proj = attn.c_proj), c_fc.
// Dropout as HF in training mode: embd_pdrop on the embeddings, attn_pdrop on the attention
// probabilities, resid_pdrop on the attention and MLP outputs (inside attn/mlp, so the adapter
// sites see the dropped-out projection output).
#pragma once
#include <torch/torch.h>

#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/task_model.h"
#include "peft/sites.h"

namespace adamix {

/// HF NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
torch::Tensor geluNew(const torch::Tensor& x);

/// Causal self-attention with fused q|k|v Conv1D. x [B, T, d], attn_bias [B, 1, T, S] (attentionBias) -> [B, T, d]
/// (S = past + T; with `cache`, this layer's past keys/values are prepended and extended).
class Gpt2AttentionImpl : public torch::nn::Module {
 public:
  explicit Gpt2AttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias, KVCache* cache = nullptr,
                        size_t layer = 0);
  int64_t num_heads, hidden_size;
  double attn_dropout, resid_dropout;
  PeftLinear c_attn{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Gpt2Attention);

/// dropout(c_proj(gelu_new(c_fc(x)))): [B, T, d] -> [B, T, d].
class Gpt2MLPImpl : public torch::nn::Module {
 public:
  explicit Gpt2MLPImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  PeftLinear c_fc{nullptr}, c_proj{nullptr};
  double dropout;
};
TORCH_MODULE(Gpt2MLP);

/// h = x + attn_adapter(attn(ln_1(x))); y = h + ffn_adapter(mlp(ln_2(h))).
class Gpt2BlockImpl : public torch::nn::Module {
 public:
  explicit Gpt2BlockImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias, KVCache* cache = nullptr,
                        size_t layer = 0);
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Gpt2Attention attn{nullptr};
  Gpt2MLP mlp{nullptr};
  AdapterSite attn_adapter{nullptr}, ffn_adapter{nullptr};
};
TORCH_MODULE(Gpt2Block);

/// The backbone ("transformer."). forward: input_ids [B, T], attention_mask [B, past + T]
/// (1 = token; undefined = all tokens) -> ln_f-normed hidden states [B, T, d]. Positions
/// past..past+T-1, or `position_ids` [B, T] when given (left-padded decoding); with `cache`
/// (HF past_key_values) the new keys/values are appended to it.
class Gpt2ModelImpl : public torch::nn::Module {
 public:
  explicit Gpt2ModelImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, KVCache* cache = nullptr,
                        const torch::Tensor& position_ids = {});
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  double embd_dropout;
};
TORCH_MODULE(Gpt2Model);

/// HF GPT2LMHeadModel (logits [B, T, V] with the tied wte) or GPT2ForSequenceClassification
/// (`score`, no bias, on the last non-padding token; [B, L], regression [B]).
class Gpt2ForTaskImpl : public TaskModelImpl {
 public:
  Gpt2ForTaskImpl(const ModelConfig& c, HeadType head, int64_t num_labels);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) override;
  /// CausalLM only (TaskModelImpl::forwardDecode); `state` must come from newDecodeState().
  torch::Tensor forwardDecode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, DecodeState* state) override;
  std::unique_ptr<DecodeState> newDecodeState() override { return std::make_unique<KVCache>(); }
  std::vector<std::string> headPrefixes() const override;
  const ModelConfig& config() const override { return cfg; }
  std::string backbonePrefix() const override { return "transformer."; }
  bool ignorableCheckpointTensor(const std::string& name) const override;
  HeadType headType() const override { return head; }
  int64_t numLabels() const override { return num_labels; }

  ModelConfig cfg;
  HeadType head;
  int64_t num_labels;
  Gpt2Model transformer{nullptr};
  torch::nn::Linear score{nullptr};  ///< Classification / Regression only
};

}  // namespace adamix
