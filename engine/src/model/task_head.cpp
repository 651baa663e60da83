#include "model/task_head.h"

#include <string>

#include "io/errors.h"

namespace adamix {

int64_t resolveNumLabels(HeadType head, int64_t labels, int64_t vocab_size) {
  switch (head) {
    case HeadType::CausalLM: return vocab_size;
    case HeadType::Regression:
      if (labels != 1 && labels != 0)
        throw EngineError(ErrorKind::Config,
                          "a regression head has 1 output, got num_labels = " + std::to_string(labels));
      return 1;
    case HeadType::Classification:
      if (labels < 2)
        throw EngineError(ErrorKind::Config,
                          "a classification head needs num_labels >= 2, got " + std::to_string(labels));
      return labels;
  }
  return labels;
}

torch::Tensor lastTokenIndex(const torch::Tensor& attention_mask, int64_t B, int64_t T, const torch::Device& device) {
  if (!attention_mask.defined()) return torch::full({B}, T - 1, torch::TensorOptions().dtype(torch::kInt64).device(device));
  return attention_mask.to(device).ne(0).sum(1).sub(1).clamp_min(0).to(torch::kInt64);
}

torch::Tensor rowsAt(const torch::Tensor& hidden, const torch::Tensor& index) {
  return hidden.index({torch::arange(hidden.size(0), index.options()), index});
}

torch::Tensor poolLastToken(const torch::Tensor& hidden, const torch::Tensor& attention_mask) {
  return rowsAt(hidden, lastTokenIndex(attention_mask, hidden.size(0), hidden.size(1), hidden.device()));
}

}  // namespace adamix
