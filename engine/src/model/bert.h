// BERT encoder + sequence-classification head, reading top to bottom like HF transformers
// models/bert/modeling_bert.py, with the same parameter names:
//   bert.embeddings.{word_embeddings, position_embeddings, token_type_embeddings}.weight,
//   bert.embeddings.LayerNorm.{weight,bias},
//   bert.encoder.layer.N.attention.self.{query,key,value}.{weight,bias},
//   bert.encoder.layer.N.attention.output.{dense,LayerNorm}.{weight,bias},
//   bert.encoder.layer.N.intermediate.dense.{weight,bias},
//   bert.encoder.layer.N.output.{dense,LayerNorm}.{weight,bias},
//   bert.pooler.dense.{weight,bias}, classifier.{weight,bias}.
// Post-LN. Adapters (docs/adamix.md § Placement): `output.ffn_adapter` right after output.dense, before dropout,
// residual and LayerNorm (official ExpertSoup in BertOutput); the Houlsby `attention.output.attn_adapter`
// after attention.output.dense AND its dropout, before residual and LayerNorm (official code).
// LoRA targets: query, key, value, dense (all three dense projections; "attention.output.dense",
// "intermediate.dense", "output.dense" select one), and the aliases q_proj/k_proj/v_proj/o_proj.
// Dropout as HF in training mode: embeddings, attention probabilities, each output block
// (FFN: dense -> adapter -> dropout -> residual -> LayerNorm; attention: dense -> dropout ->
// adapter -> residual -> LayerNorm), and before the classifier.
// RoBERTa (roberta.h) reuses these modules with its own embeddings positions and head.
#pragma once
#include <torch/torch.h>

#include "model/model_config.h"
#include "model/task_model.h"
#include "peft/sites.h"

namespace adamix {

/// word + position + token-type embeddings, then LayerNorm. With `roberta_positions`, position
/// ids are HF create_position_ids_from_input_ids: padding_idx + cumsum(ids != pad) for tokens and
/// padding_idx for padding. forward: input_ids [B, T] int64, token_type_ids [B, T] -> [B, T, d].
class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  BertEmbeddingsImpl(const ModelConfig& c, bool roberta_positions);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  bool roberta_positions;
  int64_t padding_idx;
  double dropout;
};
TORCH_MODULE(BertEmbeddings);

/// Multi-head self-attention projections: x [B, T, d], attn_bias [B, 1, 1, T] (attentionBias) -> context [B, T, d].
class BertSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit BertSelfAttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias);
  int64_t num_heads;
  double dropout;
  PeftLinear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(BertSelfAttention);

/// Post-LN projection block: LayerNorm(dropout(site(dense(h))) + residual), or with
/// `site_after_dropout` LayerNorm(site(dropout(dense(h))) + residual). Used as attention.output
/// (d -> d, site "attn_adapter", after dropout) and as output (intermediate -> d, site
/// "ffn_adapter", before dropout). h [B, T, in], residual [B, T, d] -> [B, T, d].
class BertOutputBlockImpl : public torch::nn::Module {
 public:
  BertOutputBlockImpl(const ModelConfig& c, int64_t in_features, const char* site_name, bool site_after_dropout);
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& residual);
  PeftLinear dense{nullptr};
  AdapterSite site{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  double dropout;
  bool site_after_dropout;
};
TORCH_MODULE(BertOutputBlock);

/// attention.self + attention.output.
class BertAttentionImpl : public torch::nn::Module {
 public:
  explicit BertAttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias);
  BertSelfAttention self{nullptr};
  BertOutputBlock output{nullptr};
};
TORCH_MODULE(BertAttention);

/// intermediate.dense + exact GELU.
class BertIntermediateImpl : public torch::nn::Module {
 public:
  explicit BertIntermediateImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  PeftLinear dense{nullptr};
};
TORCH_MODULE(BertIntermediate);

/// One encoder layer: a = attention(x); y = output(intermediate(a), a).
class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias);
  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertOutputBlock output{nullptr};
};
TORCH_MODULE(BertLayer);

/// The backbone ("bert." / "roberta."): embeddings, encoder.layer.N, optional pooler.dense.
/// forward: input_ids [B, T], attention_mask [B, T] (undefined = all tokens) -> [B, T, d].
/// Token types: 0 everywhere, or (sep_id >= 0 and type_vocab_size > 1) 1 after the first
/// separator, which reproduces HF's token_type_ids for `[CLS] a [SEP] b [SEP]`.
class BertModelImpl : public torch::nn::Module {
 public:
  BertModelImpl(const ModelConfig& c, bool add_pooling_layer, bool roberta_positions);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
  /// tanh(pooler.dense(hidden[:, 0])): [B, T, d] -> [B, d]; needs the pooling layer.
  torch::Tensor pool(const torch::Tensor& hidden);
  ModelConfig cfg;
  int64_t sep_id;
  BertEmbeddings embeddings{nullptr};
  std::shared_ptr<torch::nn::Module> encoder;  ///< holds "layer"
  torch::nn::ModuleList layer{nullptr};        ///< encoder.layer
  std::shared_ptr<torch::nn::Module> pooler;   ///< holds "dense"; null without pooling layer
  torch::nn::Linear pooler_dense{nullptr};     ///< pooler.dense
};
TORCH_MODULE(BertModel);

/// HF BertForSequenceClassification: classifier(dropout(pooler output)); Regression -> [B].
/// CausalLM is not supported (EngineError(Config)).
class BertForTaskImpl : public TaskModelImpl {
 public:
  BertForTaskImpl(const ModelConfig& c, HeadType head, int64_t num_labels);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) override;
  std::vector<std::string> headPrefixes() const override { return {"classifier."}; }
  const ModelConfig& config() const override { return cfg; }
  std::string backbonePrefix() const override { return "bert."; }
  bool ignorableCheckpointTensor(const std::string& name) const override;
  void setSegmentSeparator(int64_t sep_id) override;
  HeadType headType() const override { return head; }
  int64_t numLabels() const override { return num_labels; }

  ModelConfig cfg;
  HeadType head;
  int64_t num_labels;
  BertModel bert{nullptr};
  torch::nn::Linear classifier{nullptr};
};

/// Throws EngineError(Config) for a CausalLM head on an encoder-only architecture.
void requireEncoderHead(HeadType head, const std::string& model_type);

}  // namespace adamix
