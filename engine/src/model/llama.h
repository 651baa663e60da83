// Llama family backbone + task heads, reading top to bottom like HF transformers
// models/llama/modeling_llama.py, with the same parameter names:
//   model.embed_tokens.weight, model.layers.N.{input_layernorm, post_attention_layernorm}.weight,
//   model.layers.N.self_attn.{q,k,v,o}_proj.weight, model.layers.N.mlp.{gate,up,down}_proj.weight,
//   model.norm.weight, lm_head.weight (absent when tied), score.weight (classification/regression).
// The same module serves the model_types whose HF modeling files differ from Llama's only in
// (ModelConfig): mistral (modeling_mistral.py: no biases, sliding-window mask), qwen2
// (modeling_qwen2.py: q/k/v biases, o_proj without), qwen3 (modeling_qwen3.py:
// model.layers.N.self_attn.{q_norm,k_norm}.weight, RMSNorm over head_dim of each head before RoPE).
// Rotary frequencies, with rope_scaling: model/rope.h.
// Every projection is a PeftLinear; adapters sit at `attn_adapter` (after o_proj) and
// `ffn_adapter` (after down_proj), both before the residual add (pre-LN placement, docs/adamix.md § Placement).
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "model/apply_rotary.h"  // rotateHalf
#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/task_model.h"
#include "peft/sites.h"

namespace adamix {

/// RMSNorm as HF LlamaRMSNorm: computed in fp32, y = weight * (x / sqrt(mean(x^2, -1) + eps)),
/// cast back to x's dtype before the weight multiply. x [..., d], weight [d].
torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

/// Rotary tables for `positions` [T] (or [B, T] -> tables [B, T, D]) int64 (HF LlamaRotaryEmbedding, rotate-half
/// layout): inv_freq_i = theta^(-2i/D), freqs = pos x inv_freq, emb = cat(freqs, freqs); returns {cos(emb), sin(emb)},
/// each [T, D] float32 on positions' device.
std::pair<torch::Tensor, torch::Tensor> rotaryCosSin(const torch::Tensor& positions, int64_t head_dim, double theta);

/// HF apply_rotary_pos_emb for one tensor: x [B, H, T, D], cos/sin [T, D] -> x*cos + rotateHalf(x)*sin.
torch::Tensor applyRotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

/// The Llama key/value cache: keys/values [B, kv_heads, S, D] per layer, before the GQA repeat.
using LlamaKVCache = KVCache;

/// RMSNorm module (parameter "weight" [d], initialised to ones).
class LlamaRMSNormImpl : public torch::nn::Module {
 public:
  LlamaRMSNormImpl(int64_t hidden_size, double eps);
  torch::Tensor forward(const torch::Tensor& x) { return rmsNorm(x, weight, eps); }
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(LlamaRMSNorm);

/// Grouped-query self-attention with RoPE (qwen3: q_norm / k_norm RMSNorm [head_dim] applied to
/// each head of q and k before RoPE, as Qwen3Attention). forward: x [B, T, d]; cos/sin [T, D];
/// attn_bias [B, 1, T, S] (attentionBias: 0 = query may attend to key; S = past + T) -> [B, T, d].
/// With `cache`/`layer`, past keys/values are prepended and the cache is extended.
/// With `query_index` [B] int64 (no cache), only that query row of each sequence is computed
/// (keys/values still come from every row) -> [B, 1, d]: the rows equal the full output's rows.
class LlamaAttentionImpl : public torch::nn::Module {
 public:
  explicit LlamaAttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& attn_bias, LlamaKVCache* cache = nullptr, size_t layer = 0,
                        const torch::Tensor& query_index = {});
  int64_t num_heads, num_kv_heads, head_dim;
  PeftLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  LlamaRMSNorm q_norm{nullptr}, k_norm{nullptr};  ///< qwen3 only (ModelConfig::qk_norm)
};
TORCH_MODULE(LlamaAttention);

/// SwiGLU MLP: down_proj(silu(gate_proj(x)) * up_proj(x)); x [B, T, d] -> [B, T, d].
class LlamaMLPImpl : public torch::nn::Module {
 public:
  explicit LlamaMLPImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  PeftLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMLP);

/// Pre-LN decoder layer:
///   h = x + attn_adapter(self_attn(input_layernorm(x)))
///   y = h + ffn_adapter(mlp(post_attention_layernorm(h)))
/// `query_index` [B] int64: only row query_index[b] of each sequence -> [B, 1, d] (see LlamaAttention).
class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit LlamaDecoderLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& attn_bias, LlamaKVCache* cache = nullptr, size_t layer = 0,
                        const torch::Tensor& query_index = {});
  LlamaAttention self_attn{nullptr};
  LlamaMLP mlp{nullptr};
  LlamaRMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  AdapterSite attn_adapter{nullptr}, ffn_adapter{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

/// The backbone ("model." in HF names). forward: input_ids [B, T] int64, attention_mask [B, T]
/// (undefined = all tokens; with a cache it covers past + current tokens, [B, S]) ->
/// final-normed hidden states [B, T, d]. Positions are past .. past+T-1 (right padding only)
/// unless `position_ids` [B, T] is given (left-padded decoding); the causal mask (and mistral's
/// sliding window, ModelConfig::sliding_window) is always by index. Rotary frequencies follow
/// cfg.rope_scaling (model/rope.h; dynamic NTK from the largest position of this forward + 1).
class LlamaModelImpl : public torch::nn::Module {
 public:
  explicit LlamaModelImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        LlamaKVCache* cache = nullptr, const torch::Tensor& position_ids = {});
  /// The final-normed hidden state at one position per sequence, `index` [B] int64 -> [B, d]:
  /// row b of forward(input_ids, attention_mask)[b, index[b]]. The last layer computes only those
  /// rows (its keys/values from all rows; the causal mask makes no earlier row depend on a later
  /// one), so a sequence-level head skips (T - 1) / T of the last layer's queries, MLP and norm.
  torch::Tensor forwardAt(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const torch::Tensor& index);
  ModelConfig cfg;
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  LlamaRMSNorm norm{nullptr};

 private:
  /// forward's body; `index` [B] defined -> the last layer computes only rows index[b] ([B, 1, d]).
  torch::Tensor run(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, LlamaKVCache* cache,
                    const torch::Tensor& position_ids, const torch::Tensor& index);
};
TORCH_MODULE(LlamaModel);

/// Llama backbone + head: HF LlamaForCausalLM / LlamaForSequenceClassification.
/// Classification/regression pool the hidden state at the last non-padding token
/// (attention_mask.sum(1) - 1) and apply `score` (no bias). Parameters are uninitialised
/// (torch defaults) after construction: use loadTaskModel() or initTaskModelWeights().
class LlamaForTaskImpl : public TaskModelImpl {
 public:
  LlamaForTaskImpl(const ModelConfig& c, HeadType head, int64_t num_labels);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) override;
  /// CausalLM only: logits [B, T, V] for the new tokens, using and extending `cache`.
  /// `attention_mask` [B, past + T] or undefined (all tokens).
  torch::Tensor forwardCached(const torch::Tensor& input_ids, LlamaKVCache& cache,
                              const torch::Tensor& attention_mask = {});
  torch::Tensor forwardDecode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, DecodeState* state) override;
  std::unique_ptr<DecodeState> newDecodeState() override;
  std::vector<std::string> headPrefixes() const override;
  const ModelConfig& config() const override { return cfg; }
  std::string backbonePrefix() const override { return "model."; }
  HeadType headType() const override { return head; }
  int64_t numLabels() const override { return num_labels; }

  ModelConfig cfg;
  HeadType head;
  int64_t num_labels;
  LlamaModel model{nullptr};
  torch::nn::Linear lm_head{nullptr};  ///< CausalLM with untied embeddings only
  torch::nn::Linear score{nullptr};    ///< Classification / Regression only

 private:
  /// CausalLM: hidden [B, T, d] -> logits [B, T, V] (lm_head, or the tied embedding).
  torch::Tensor lmLogits(const torch::Tensor& hidden);
};

}  // namespace adamix
