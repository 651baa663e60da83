#include "model/bert.h"

#include <string>

#include "io/errors.h"
#include "model/attention.h"
#include "model/task_head.h"

namespace F = torch::nn::functional;

namespace adamix {

namespace {
torch::nn::LayerNorm layerNorm(const ModelConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}
}  // namespace

BertEmbeddingsImpl::BertEmbeddingsImpl(const ModelConfig& c, bool roberta)
    : roberta_positions(roberta), padding_idx(c.pad_token_id), dropout(c.embedding_dropout) {
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings =
      register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, c.hidden_size));
  LayerNorm = register_module("LayerNorm", layerNorm(c));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  const int64_t T = input_ids.size(1);
  torch::Tensor positions;
  if (roberta_positions) {
    auto mask = input_ids.ne(padding_idx).to(torch::kInt64);
    positions = torch::cumsum(mask, 1) * mask + padding_idx;
  } else {
    positions = torch::arange(T, input_ids.options().dtype(torch::kInt64)).unsqueeze(0);
  }
  TORCH_CHECK(positions.max().item<int64_t>() < position_embeddings->weight.size(0), "sequence of ", T,
              " tokens exceeds max_position_embeddings ", position_embeddings->weight.size(0));
  auto h = word_embeddings->forward(input_ids) + position_embeddings->forward(positions) +
           token_type_embeddings->forward(token_type_ids);
  return F::dropout(LayerNorm->forward(h), F::DropoutFuncOptions().p(dropout).training(is_training()));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const ModelConfig& c)
    : num_heads(c.num_attention_heads), dropout(c.attention_dropout) {
  query = register_module("query", PeftLinear(c.hidden_size, c.hidden_size, true));
  key = register_module("key", PeftLinear(c.hidden_size, c.hidden_size, true));
  value = register_module("value", PeftLinear(c.hidden_size, c.hidden_size, true));
  query->addAlias("q_proj");
  key->addAlias("k_proj");
  value->addAlias("v_proj");
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias) {
  return scaledDotProductAttention(splitHeads(query->forward(x), num_heads), splitHeads(key->forward(x), num_heads),
                                   splitHeads(value->forward(x), num_heads), attn_bias, dropout, is_training());
}

BertOutputBlockImpl::BertOutputBlockImpl(const ModelConfig& c, int64_t in_features, const char* site_name,
                                         bool after_dropout)
    : dropout(c.hidden_dropout), site_after_dropout(after_dropout) {
  dense = register_module("dense", PeftLinear(in_features, c.hidden_size, true));
  site = register_module(site_name, AdapterSite(c.hidden_size));
  LayerNorm = register_module("LayerNorm", layerNorm(c));
}

torch::Tensor BertOutputBlockImpl::forward(const torch::Tensor& h, const torch::Tensor& residual) {
  const auto drop = F::DropoutFuncOptions().p(dropout).training(is_training());
  auto y = site_after_dropout ? site->forward(F::dropout(dense->forward(h), drop))
                              : F::dropout(site->forward(dense->forward(h)), drop);
  return LayerNorm->forward(y + residual);
}

BertAttentionImpl::BertAttentionImpl(const ModelConfig& c) {
  self = register_module("self", BertSelfAttention(c));
  output = register_module("output", BertOutputBlock(c, c.hidden_size, "attn_adapter", /*site_after_dropout=*/true));
  output->dense->addAlias("o_proj");
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias) {
  return output->forward(self->forward(x, attn_bias), x);
}

BertIntermediateImpl::BertIntermediateImpl(const ModelConfig& c) {
  dense = register_module("dense", PeftLinear(c.hidden_size, c.intermediate_size, true));
}

torch::Tensor BertIntermediateImpl::forward(const torch::Tensor& x) { return F::gelu(dense->forward(x)); }

BertLayerImpl::BertLayerImpl(const ModelConfig& c) {
  attention = register_module("attention", BertAttention(c));
  intermediate = register_module("intermediate", BertIntermediate(c));
  output = register_module("output", BertOutputBlock(c, c.intermediate_size, "ffn_adapter", /*site_after_dropout=*/false));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias) {
  auto a = attention->forward(x, attn_bias);
  return output->forward(intermediate->forward(a), a);
}

BertModelImpl::BertModelImpl(const ModelConfig& c, bool add_pooling_layer, bool roberta_positions)
    : cfg(c), sep_id(c.sep_token_id) {
  embeddings = register_module("embeddings", BertEmbeddings(c, roberta_positions));
  encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  layer = encoder->register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layer->push_back(BertLayer(c));
  if (add_pooling_layer) {
    pooler = register_module("pooler", std::make_shared<torch::nn::Module>());
    pooler_dense = pooler->register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
  }
}

torch::Tensor BertModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [B, T], got ", input_ids.sizes());
  auto ids = input_ids.to(torch::kInt64);
  const int64_t B = ids.size(0), T = ids.size(1);
  torch::Tensor types = torch::zeros_like(ids);
  if (sep_id >= 0 && cfg.type_vocab_size > 1) {
    auto is_sep = ids.eq(sep_id).to(torch::kInt64);
    types = (torch::cumsum(is_sep, 1) - is_sep).clamp_max(1);
  }
  torch::Tensor allowed;
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.sizes() == ids.sizes(), "attention_mask must be [B, T], got ", attention_mask.sizes());
    allowed = attention_mask.to(ids.device()).ne(0).view({B, 1, 1, T});
  } else {
    allowed = torch::ones({1, 1, 1, T}, ids.options().dtype(torch::kBool));
  }
  const auto attn_bias = attentionBias(allowed);  // once per forward, shared by every layer
  auto h = embeddings->forward(ids, types);
  for (size_t i = 0; i < layer->size(); ++i) h = layer->ptr<BertLayerImpl>(i)->forward(h, attn_bias);
  return h;
}

torch::Tensor BertModelImpl::pool(const torch::Tensor& hidden) {
  return torch::tanh(pooler_dense->forward(hidden.select(1, 0)));
}

void requireEncoderHead(HeadType head, const std::string& model_type) {
  if (head == HeadType::CausalLM)
    throw EngineError(ErrorKind::Config, "'" + model_type +
                                             "' is an encoder: use a classification or regression task "
                                             "(no causal LM head)");
}

BertForTaskImpl::BertForTaskImpl(const ModelConfig& c, HeadType h, int64_t labels) : cfg(c), head(h) {
  requireEncoderHead(head, c.model_type);
  num_labels = resolveNumLabels(head, labels, c.vocab_size);
  bert = register_module("bert", BertModel(c, /*add_pooling_layer=*/true, /*roberta_positions=*/false));
  classifier = register_module("classifier", torch::nn::Linear(c.hidden_size, num_labels));
}

torch::Tensor BertForTaskImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto pooled = bert->pool(bert->forward(input_ids, attention_mask));
  pooled = F::dropout(pooled, F::DropoutFuncOptions().p(cfg.classifier_dropout).training(is_training()));
  auto logits = classifier->forward(pooled);
  return head == HeadType::Regression ? logits.squeeze(-1) : logits;
}

bool BertForTaskImpl::ignorableCheckpointTensor(const std::string& name) const {
  // position_ids buffer; pre-training heads of BertForPreTraining checkpoints (bert-base-uncased).
  return name.find("embeddings.position_ids") != std::string::npos || name.rfind("cls.", 0) == 0;
}

void BertForTaskImpl::setSegmentSeparator(int64_t sep) {
  if (cfg.sep_token_id < 0) bert->sep_id = sep;
}

}  // namespace adamix
