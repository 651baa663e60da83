#include "model/gpt2.h"

#include <cmath>

#include "io/errors.h"
#include "model/attention.h"
#include "model/task_head.h"

namespace adamix {

namespace {
bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
torch::nn::LayerNorm layerNorm(const ModelConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}
}  // namespace

torch::Tensor geluNew(const torch::Tensor& x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + torch::tanh(k * (x + 0.044715 * torch::pow(x, 3.0))));
}

Gpt2AttentionImpl::Gpt2AttentionImpl(const ModelConfig& c)
    : num_heads(c.num_attention_heads),
      hidden_size(c.hidden_size),
      attn_dropout(c.attention_dropout),
      resid_dropout(c.hidden_dropout) {
  const int64_t d = c.hidden_size;
  c_attn = register_module("c_attn", PeftLinear(d, 3 * d, true, /*conv1d=*/true));
  c_proj = register_module("c_proj", PeftLinear(d, d, true, /*conv1d=*/true));
  c_attn->setParts({{"q", d}, {"k", d}, {"v", d}}, {"q", "v"});
  c_attn->addAlias("q_proj", "q");
  c_attn->addAlias("k_proj", "k");
  c_attn->addAlias("v_proj", "v");
  c_proj->addAlias("o_proj");
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias, KVCache* cache,
                                         size_t layer) {
  auto qkv = c_attn->forward(x).split(hidden_size, -1);
  auto k = splitHeads(qkv[1], num_heads), v = splitHeads(qkv[2], num_heads);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  auto out = scaledDotProductAttention(splitHeads(qkv[0], num_heads), k, v, attn_bias, attn_dropout, is_training());
  return torch::nn::functional::dropout(
      c_proj->forward(out), torch::nn::functional::DropoutFuncOptions().p(resid_dropout).training(is_training()));
}

Gpt2MLPImpl::Gpt2MLPImpl(const ModelConfig& c) : dropout(c.hidden_dropout) {
  c_fc = register_module("c_fc", PeftLinear(c.hidden_size, c.intermediate_size, true, true));
  c_proj = register_module("c_proj", PeftLinear(c.intermediate_size, c.hidden_size, true, true));
}

torch::Tensor Gpt2MLPImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::dropout(c_proj->forward(geluNew(c_fc->forward(x))),
                                        torch::nn::functional::DropoutFuncOptions().p(dropout).training(is_training()));
}

Gpt2BlockImpl::Gpt2BlockImpl(const ModelConfig& c) {
  ln_1 = register_module("ln_1", layerNorm(c));
  attn = register_module("attn", Gpt2Attention(c));
  ln_2 = register_module("ln_2", layerNorm(c));
  mlp = register_module("mlp", Gpt2MLP(c));
  attn_adapter = register_module("attn_adapter", AdapterSite(c.hidden_size));
  ffn_adapter = register_module("ffn_adapter", AdapterSite(c.hidden_size));
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias, KVCache* cache,
                                     size_t layer) {
  auto h = x + attn_adapter->forward(attn->forward(ln_1->forward(x), attn_bias, cache, layer));
  return h + ffn_adapter->forward(mlp->forward(ln_2->forward(h)));
}

Gpt2ModelImpl::Gpt2ModelImpl(const ModelConfig& c) : embd_dropout(c.embedding_dropout) {
  wte = register_module("wte", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  wpe = register_module("wpe", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) h->push_back(Gpt2Block(c));
  ln_f = register_module("ln_f", layerNorm(c));
}

torch::Tensor Gpt2ModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                     KVCache* cache, const torch::Tensor& position_ids) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [B, T], got ", input_ids.sizes());
  auto ids = input_ids.to(torch::kInt64);
  const int64_t B = ids.size(0), T = ids.size(1);
  const int64_t past = cache ? cache->length() : 0;
  torch::Tensor positions;  // [B or 1, T]
  if (position_ids.defined()) {
    TORCH_CHECK(position_ids.dim() == 2 && position_ids.size(0) == B && position_ids.size(1) == T,
                "position_ids must be [B, T] = [", B, ", ", T, "], got ", position_ids.sizes());
    positions = position_ids.to(ids.device()).to(torch::kInt64);
  } else {
    positions = torch::arange(past, past + T, ids.options()).unsqueeze(0);
  }
  TORCH_CHECK(T == 0 || positions.max().item<int64_t>() < wpe->weight.size(0), "position ",
              positions.max().item<int64_t>(), " exceeds n_positions ", wpe->weight.size(0));
  const auto attn_bias = attentionBias(causalDecodeMask(past, T, attention_mask, ids.device()));
  auto x = torch::nn::functional::dropout(
      wte->forward(ids) + wpe->forward(positions),
      torch::nn::functional::DropoutFuncOptions().p(embd_dropout).training(is_training()));
  for (size_t i = 0; i < h->size(); ++i) x = h->ptr<Gpt2BlockImpl>(i)->forward(x, attn_bias, cache, i);
  return ln_f->forward(x);
}

Gpt2ForTaskImpl::Gpt2ForTaskImpl(const ModelConfig& c, HeadType hd, int64_t labels) : cfg(c), head(hd) {
  num_labels = resolveNumLabels(head, labels, c.vocab_size);
  transformer = register_module("transformer", Gpt2Model(c));
  if (head != HeadType::CausalLM)
    score =
        register_module("score", torch::nn::Linear(torch::nn::LinearOptions(c.hidden_size, num_labels).bias(false)));
}

std::vector<std::string> Gpt2ForTaskImpl::headPrefixes() const {
  if (head == HeadType::CausalLM) return {};
  return {"score."};
}

torch::Tensor Gpt2ForTaskImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto hidden = transformer->forward(input_ids, attention_mask);
  if (head == HeadType::CausalLM) return torch::nn::functional::linear(hidden, transformer->wte->weight);
  auto logits = score->forward(poolLastToken(hidden, attention_mask));
  return head == HeadType::Regression ? logits.squeeze(-1) : logits;
}

torch::Tensor Gpt2ForTaskImpl::forwardDecode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                             const torch::Tensor& position_ids, DecodeState* state) {
  TORCH_CHECK(head == HeadType::CausalLM, "forwardDecode needs a causal LM head");
  KVCache* cache = nullptr;
  if (state) {
    cache = dynamic_cast<KVCache*>(state);
    if (!cache) throw EngineError(ErrorKind::Internal, "forwardDecode: the state is not a GPT-2 KV cache");
  }
  return torch::nn::functional::linear(transformer->forward(input_ids, attention_mask, cache, position_ids),
                                       transformer->wte->weight);
}

bool Gpt2ForTaskImpl::ignorableCheckpointTensor(const std::string& name) const {
  // Causal-mask buffers of older HF versions; the tied LM head copy.
  return endsWith(name, ".attn.bias") || endsWith(name, ".attn.masked_bias") || name == "lm_head.weight";
}

}  // namespace adamix
