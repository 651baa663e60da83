// Import of official AdaMix checkpoints (microsoft/AdaMix NLU code): the ExpertSoup experts of a
// model directory's model.safetensors copied into the adapter mixtures of the engine's model.
// Settings and names: artifacts/official_adamix_config.h. The backbone and head of such a
// directory load through model/checkpoint.h, which leaves the ExpertSoup tensors to this file.
#pragma once
#include <torch/torch.h>

#include <string>

namespace adamix {

/// Copies every expert of `model_dir/model.safetensors` ("….output.ExpertSoup.MoA_A.deepspeed_experts.K.weight"
/// [adapter_size, d], "….bias" [adapter_size]; MoA_B [d, adapter_size], [d]) into the FFN adapter
/// mixture parameter of the same layer and module ("….output.ffn_adapter.adapter.down.K.weight"), which
/// applyPeft attached from officialPeftConfig. Every adapter mixture parameter must receive a tensor
/// and every expert must have a parameter of the same shape. expert_score_weight must hold equal
/// values in each soup (the official code keeps it at zero; the engine merges uniformly).
/// Throws EngineError(Model, msg, "<dir>/model.safetensors:<tensor>") otherwise.
void loadOfficialAdaMixWeights(torch::nn::Module& model, const std::string& model_dir);

}  // namespace adamix
