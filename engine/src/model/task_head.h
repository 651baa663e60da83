// Helpers shared by the task heads of every architecture: label-count checks and pooling.
#pragma once
#include <torch/torch.h>

#include "model/task_model.h"

namespace adamix {

/// num_labels for `head`: CausalLM -> vocab_size, Regression -> 1 (0 taken as 1),
/// Classification -> labels. Throws EngineError(Config) for a regression head with labels > 1 or a
/// classification head with labels < 2.
int64_t resolveNumLabels(HeadType head, int64_t labels, int64_t vocab_size);

/// Index of the last non-padding token of each row: attention_mask [B, T] (right padding;
/// undefined = no padding, every row T - 1) -> [B] int64 on `device` (0 for an all-padding row).
torch::Tensor lastTokenIndex(const torch::Tensor& attention_mask, int64_t B, int64_t T, const torch::Device& device);

/// Row index[b] of each sequence: hidden [B, T, ...], index [B] int64 -> [B, ...] (differentiable).
torch::Tensor rowsAt(const torch::Tensor& hidden, const torch::Tensor& index);

/// Hidden state of the last non-padding token of each row: hidden [B, T, d], attention_mask
/// [B, T] (right padding; undefined = no padding) -> [B, d]. Used by Llama and GPT-2 heads.
torch::Tensor poolLastToken(const torch::Tensor& hidden, const torch::Tensor& attention_mask);

}  // namespace adamix
