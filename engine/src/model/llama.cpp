#include "model/llama.h"

#include <cmath>
#include <string>
#include <tuple>

#include "io/errors.h"
#include "model/apply_rotary.h"
#include "model/attention.h"
#include "model/fused_ops.h"
#include "model/rms_norm.h"
#include "model/rope.h"
#include "model/swiglu.h"
#include "model/task_head.h"

namespace adamix {

torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  if (fusedCpuKernelsApply({x, weight})) return fusedRmsNorm(x, weight, eps);  // one pass (model/fused_ops.h)
  const auto in_dtype = x.scalar_type();
  auto h = x.to(torch::kFloat32);
  // h.pow(2).mean(-1, true) and weight * (h * rstd), each one node with the composite's roundings
  // and fewer passes (model/rms_norm.h)
  auto rstd = torch::rsqrt(meanOfSquares(h) + eps);
  if (in_dtype == torch::kFloat32) return scaleNormalized(h, rstd, weight);
  h = h * rstd;
  return weight * h.to(in_dtype);
}

std::pair<torch::Tensor, torch::Tensor> rotaryCosSin(const torch::Tensor& positions, int64_t head_dim, double theta) {
  // plain RoPE: inv_freq = 1 / theta^(arange(0, D, 2) / D), as HF (model/rope.h)
  return rotaryCosSinFromInvFreq(positions, ropeInvFreq(head_dim, theta, RopeScaling{}, 0, 1));
}

torch::Tensor applyRotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  // x * cos + rotateHalf(x) * sin, in one pass on CPU float32 (model/apply_rotary.h: equal values)
  return applyRotaryEmbedding(x, cos.to(x.scalar_type()), sin.to(x.scalar_type()));
}

// ---------------------------------------------------------------------------------------------

LlamaRMSNormImpl::LlamaRMSNormImpl(int64_t hidden_size, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({hidden_size}));
}

LlamaAttentionImpl::LlamaAttentionImpl(const ModelConfig& c)
    : num_heads(c.num_attention_heads), num_kv_heads(c.num_key_value_heads), head_dim(c.head_dim) {
  const bool b = c.attention_bias;
  q_proj = register_module("q_proj", PeftLinear(c.hidden_size, num_heads * head_dim, b));
  k_proj = register_module("k_proj", PeftLinear(c.hidden_size, num_kv_heads * head_dim, b));
  v_proj = register_module("v_proj", PeftLinear(c.hidden_size, num_kv_heads * head_dim, b));
  o_proj = register_module("o_proj", PeftLinear(num_heads * head_dim, c.hidden_size, c.o_proj_bias));
  if (c.qk_norm) {  // Qwen3Attention: Qwen3RMSNorm(head_dim) on each query / key head
    q_norm = register_module("q_norm", LlamaRMSNorm(head_dim, c.rms_norm_eps));
    k_norm = register_module("k_norm", LlamaRMSNorm(head_dim, c.rms_norm_eps));
  }
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                          const torch::Tensor& attn_bias, LlamaKVCache* cache, size_t layer,
                                          const torch::Tensor& query_index) {
  const int64_t B = x.size(0), T = x.size(1);
  // The query rows: all T, or with query_index the one row of each sequence, with its rotary
  // angle and its row of the mask ([B, 1, ...]).
  auto xq = x;
  auto cq = cos, sq = sin, bias = attn_bias;
  if (query_index.defined()) {
    TORCH_CHECK(!cache && cos.dim() == 2, "query_index needs shared positions and no cache");
    xq = rowsAt(x, query_index).unsqueeze(1);
    cq = cos.index({query_index}).view({B, 1, 1, -1});
    sq = sin.index({query_index}).view({B, 1, 1, -1});
    // [B, 1, T, S] -> the query's row [B, S] -> [B, 1, 1, S]
    bias = rowsAt(attn_bias.expand({B, 1, T, attn_bias.size(3)}).squeeze(1), query_index).view({B, 1, 1, -1});
  }
  const int64_t Tq = xq.size(1);
  auto q = q_proj->forward(xq).view({B, Tq, num_heads, head_dim});
  auto k = k_proj->forward(x).view({B, T, num_kv_heads, head_dim});
  if (q_norm) {  // qwen3: normalised over head_dim per head, before RoPE
    q = q_norm->forward(q);
    k = k_norm->forward(k);
  }
  q = q.transpose(1, 2);
  k = k.transpose(1, 2);
  auto v = v_proj->forward(x).view({B, T, num_kv_heads, head_dim}).transpose(1, 2);
  q = applyRotary(q, cq, sq);
  k = applyRotary(k, cos, sin);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  // grouped-query attention: scaledDotProductAttention reads each kv head for its query heads (HF repeat_kv)
  return o_proj->forward(scaledDotProductAttention(q, k, v, bias));
}

LlamaMLPImpl::LlamaMLPImpl(const ModelConfig& c) {
  const bool b = c.mlp_bias;
  gate_proj = register_module("gate_proj", PeftLinear(c.hidden_size, c.intermediate_size, b));
  up_proj = register_module("up_proj", PeftLinear(c.hidden_size, c.intermediate_size, b));
  down_proj = register_module("down_proj", PeftLinear(c.intermediate_size, c.hidden_size, b));
}

torch::Tensor LlamaMLPImpl::forward(const torch::Tensor& x) {
  auto gate = gate_proj->forward(x), up = up_proj->forward(x);
  // silu(gate) * up in one pass each way: with ATen's roundings (model/swiglu.h), or the opt-in
  // fused kernel's (model/fused_ops.h)
  return down_proj->forward(fusedCpuKernelsApply({gate, up}) ? fusedSwiGlu(gate, up) : siluMul(gate, up));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const ModelConfig& c) {
  self_attn = register_module("self_attn", LlamaAttention(c));
  mlp = register_module("mlp", LlamaMLP(c));
  input_layernorm = register_module("input_layernorm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps));
  attn_adapter = register_module("attn_adapter", AdapterSite(c.hidden_size));
  ffn_adapter = register_module("ffn_adapter", AdapterSite(c.hidden_size));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                             const torch::Tensor& attn_bias, LlamaKVCache* cache, size_t layer,
                                             const torch::Tensor& query_index) {
  const auto residual = query_index.defined() ? rowsAt(x, query_index).unsqueeze(1) : x;
  auto h = residual + attn_adapter->forward(self_attn->forward(input_layernorm->forward(x), cos, sin, attn_bias, cache,
                                                              layer, query_index));
  return h + ffn_adapter->forward(mlp->forward(post_attention_layernorm->forward(h)));
}

LlamaModelImpl::LlamaModelImpl(const ModelConfig& c) : cfg(c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(LlamaDecoderLayer(c));
  norm = register_module("norm", LlamaRMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      LlamaKVCache* cache, const torch::Tensor& position_ids) {
  return run(input_ids, attention_mask, cache, position_ids, {});
}

torch::Tensor LlamaModelImpl::forwardAt(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                        const torch::Tensor& index) {
  TORCH_CHECK(index.dim() == 1 && index.size(0) == input_ids.size(0), "index must be [B] = [", input_ids.size(0),
              "], got ", index.sizes());
  return run(input_ids, attention_mask, nullptr, {}, index.to(input_ids.device()).to(torch::kInt64)).squeeze(1);
}

torch::Tensor LlamaModelImpl::run(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                  LlamaKVCache* cache, const torch::Tensor& position_ids, const torch::Tensor& index) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [B, T], got ", input_ids.sizes());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  const int64_t past = cache ? cache->length() : 0;
  const int64_t S = past + T;
  const auto dev = input_ids.device();
  auto ids = input_ids.to(torch::kInt64);
  auto h = embed_tokens->forward(ids);

  auto positions = torch::arange(past, S, torch::TensorOptions().dtype(torch::kInt64).device(dev));
  // Dynamic NTK scaling depends on the longest position of this forward (HF: max(position_ids) + 1).
  int64_t seq_len = S;
  if (position_ids.defined() && cfg.rope_scaling.type == "dynamic" && position_ids.numel() > 0)
    seq_len = position_ids.max().item<int64_t>() + 1;
  const auto inv_freq =
      ropeInvFreq(cfg.head_dim, cfg.rope_theta, cfg.rope_scaling, seq_len, cfg.max_position_embeddings);
  torch::Tensor cos, sin;
  if (position_ids.defined()) {  // per-row positions [B, T] -> tables [B, 1, T, D] (broadcast over heads)
    TORCH_CHECK(position_ids.dim() == 2 && position_ids.size(0) == B && position_ids.size(1) == T,
                "position_ids must be [B, T] = [", B, ", ", T, "], got ", position_ids.sizes());
    std::tie(cos, sin) = rotaryCosSinFromInvFreq(position_ids.to(dev).to(torch::kInt64), inv_freq);
    cos = cos.unsqueeze(1);
    sin = sin.unsqueeze(1);
  } else {
    std::tie(cos, sin) = rotaryCosSinFromInvFreq(positions, inv_freq);
  }

  // Key k is allowed for query q when it is not after q (causal) and is a token (padding mask),
  // and for mistral's sliding window when q - k < sliding_window (HF's sliding mask);
  // as an additive bias computed once per forward for every layer.
  auto allowed = causalDecodeMask(past, T, attention_mask, dev);
  if (cfg.sliding_window > 0) {
    const auto opts = torch::TensorOptions().dtype(torch::kInt64).device(dev);
    auto q_minus_k = torch::arange(past, S, opts).unsqueeze(1) - torch::arange(0, S, opts).unsqueeze(0);  // [T, S]
    allowed = allowed.logical_and(q_minus_k.lt(cfg.sliding_window).view({1, 1, T, S}));
  }
  const auto attn_bias = attentionBias(allowed);
  const size_t n = layers->size();
  if (index.defined() && n == 0) h = rowsAt(h, index).unsqueeze(1);
  for (size_t i = 0; i < n; ++i)  // with `index`, the last layer computes only the rows index[b]
    h = layers->ptr<LlamaDecoderLayerImpl>(i)->forward(h, cos, sin, attn_bias, cache, i,
                                                       i + 1 == n ? index : torch::Tensor());
  return norm->forward(h);
}

LlamaForTaskImpl::LlamaForTaskImpl(const ModelConfig& c, HeadType h, int64_t labels)
    : cfg(c), head(h), num_labels(labels) {
  num_labels = resolveNumLabels(head, labels, c.vocab_size);
  model = register_module("model", LlamaModel(c));
  if (head == HeadType::CausalLM) {
    if (!c.tie_word_embeddings)
      lm_head = register_module("lm_head",
                                torch::nn::Linear(torch::nn::LinearOptions(c.hidden_size, c.vocab_size).bias(false)));
  } else {
    score =
        register_module("score", torch::nn::Linear(torch::nn::LinearOptions(c.hidden_size, num_labels).bias(false)));
  }
}

std::vector<std::string> LlamaForTaskImpl::headPrefixes() const {
  if (head == HeadType::CausalLM)
    return cfg.tie_word_embeddings ? std::vector<std::string>{} : std::vector<std::string>{"lm_head."};
  return {"score."};
}

torch::Tensor LlamaForTaskImpl::lmLogits(const torch::Tensor& hidden) {
  const auto& w = cfg.tie_word_embeddings ? model->embed_tokens->weight : lm_head->weight;
  return torch::nn::functional::linear(hidden, w);  // [B, T, V]
}

torch::Tensor LlamaForTaskImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  if (head == HeadType::CausalLM) return lmLogits(model->forward(input_ids, attention_mask));
  // The head reads the last non-padding token only, so the backbone's last layer computes only that row.
  const auto last = lastTokenIndex(attention_mask, input_ids.size(0), input_ids.size(1), input_ids.device());
  auto logits = score->forward(model->forwardAt(input_ids, attention_mask, last));  // [B, L]
  return head == HeadType::Regression ? logits.squeeze(-1) : logits;
}

torch::Tensor LlamaForTaskImpl::forwardCached(const torch::Tensor& input_ids, LlamaKVCache& cache,
                                              const torch::Tensor& attention_mask) {
  TORCH_CHECK(head == HeadType::CausalLM, "forwardCached needs a causal LM head");
  return lmLogits(model->forward(input_ids, attention_mask, &cache));
}

torch::Tensor LlamaForTaskImpl::forwardDecode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                              const torch::Tensor& position_ids, DecodeState* state) {
  TORCH_CHECK(head == HeadType::CausalLM, "forwardDecode needs a causal LM head");
  LlamaKVCache* cache = nullptr;
  if (state) {
    cache = dynamic_cast<LlamaKVCache*>(state);
    if (!cache) throw EngineError(ErrorKind::Internal, "forwardDecode: the state is not a Llama KV cache");
  }
  return lmLogits(model->forward(input_ids, attention_mask, cache, position_ids));
}

std::unique_ptr<DecodeState> LlamaForTaskImpl::newDecodeState() { return std::make_unique<LlamaKVCache>(); }

}  // namespace adamix
