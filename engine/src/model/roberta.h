// RoBERTa + sequence-classification head, as HF transformers models/roberta/modeling_roberta.py:
// the BERT encoder (bert.h; HF's Roberta modules are "Copied from" BERT's) under "roberta.",
// position ids offset past padding_idx (pad_token_id), no pooler, and the `<s>`-token head
//   classifier.dense (d -> d) + tanh + classifier.out_proj (d -> num_labels).
// Parameter names: roberta.embeddings.word_embeddings.weight,
// roberta.encoder.layer.N.attention.self.query.weight, ..., classifier.dense.weight,
// classifier.out_proj.weight. Adapters and LoRA targets as BERT.
#pragma once
#include <torch/torch.h>

#include "model/bert.h"

namespace adamix {

/// HF RobertaClassificationHead: out_proj(dropout(tanh(dense(dropout(features[:, 0]))))).
/// [B, T, d] -> [B, L].
class RobertaClassificationHeadImpl : public torch::nn::Module {
 public:
  RobertaClassificationHeadImpl(int64_t hidden_size, int64_t num_labels, double dropout);
  torch::Tensor forward(const torch::Tensor& features);
  torch::nn::Linear dense{nullptr}, out_proj{nullptr};
  double dropout;
};
TORCH_MODULE(RobertaClassificationHead);

/// HF RobertaForSequenceClassification. Classification -> [B, L], Regression -> [B];
/// CausalLM is rejected (EngineError(Config)).
class RobertaForTaskImpl : public TaskModelImpl {
 public:
  RobertaForTaskImpl(const ModelConfig& c, HeadType head, int64_t num_labels);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) override;
  std::vector<std::string> headPrefixes() const override { return {"classifier."}; }
  const ModelConfig& config() const override { return cfg; }
  std::string backbonePrefix() const override { return "roberta."; }
  bool ignorableCheckpointTensor(const std::string& name) const override;
  HeadType headType() const override { return head; }
  int64_t numLabels() const override { return num_labels; }

  ModelConfig cfg;
  HeadType head;
  int64_t num_labels;
  BertModel roberta{nullptr};
  RobertaClassificationHead classifier{nullptr};
};

}  // namespace adamix
