#include "model/roberta.h"

#include "model/task_head.h"

namespace adamix {

RobertaClassificationHeadImpl::RobertaClassificationHeadImpl(int64_t d, int64_t labels, double p) : dropout(p) {
  dense = register_module("dense", torch::nn::Linear(d, d));
  out_proj = register_module("out_proj", torch::nn::Linear(d, labels));
}

torch::Tensor RobertaClassificationHeadImpl::forward(const torch::Tensor& features) {
  namespace F = torch::nn::functional;
  const auto opts = F::DropoutFuncOptions().p(dropout).training(is_training());
  auto x = F::dropout(features.select(1, 0), opts);
  return out_proj->forward(F::dropout(torch::tanh(dense->forward(x)), opts));
}

RobertaForTaskImpl::RobertaForTaskImpl(const ModelConfig& c, HeadType h, int64_t labels) : cfg(c), head(h) {
  requireEncoderHead(head, c.model_type);
  num_labels = resolveNumLabels(head, labels, c.vocab_size);
  // RoBERTa uses a single token type (type_vocab_size 1): no segment separator.
  ModelConfig backbone = c;
  backbone.sep_token_id = -1;
  roberta = register_module("roberta", BertModel(backbone, /*add_pooling_layer=*/false, /*roberta_positions=*/true));
  classifier =
      register_module("classifier", RobertaClassificationHead(c.hidden_size, num_labels, c.classifier_dropout));
}

torch::Tensor RobertaForTaskImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto logits = classifier->forward(roberta->forward(input_ids, attention_mask));
  return head == HeadType::Regression ? logits.squeeze(-1) : logits;
}

bool RobertaForTaskImpl::ignorableCheckpointTensor(const std::string& name) const {
  // position_ids buffer, the pooler and MLM head of RobertaForMaskedLM / RobertaModel checkpoints.
  return name.find("embeddings.position_ids") != std::string::npos || name.rfind("roberta.pooler.", 0) == 0 ||
         name.rfind("pooler.", 0) == 0 || name.rfind("lm_head.", 0) == 0;
}

}  // namespace adamix
