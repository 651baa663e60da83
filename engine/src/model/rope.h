// Rotary position embedding frequencies, as HF transformers modeling_rope_utils.py
// (_compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
// _compute_dynamic_ntk_parameters, _compute_llama3_parameters) and LlamaRotaryEmbedding.
// Every type here has attention_scaling 1, so cos/sin are not rescaled.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "model/rope_scaling.h"

namespace adamix {

/// Inverse frequencies [head_dim / 2] float32 (CPU) for one forward over positions < `seq_len`.
/// default: theta^(-arange(0, D, 2) / D) (fp32 from an int64 arange, as HF);
/// linear: default / factor;
/// dynamic (NTK): the default formula with base theta * ((factor * L / P) - (factor - 1))^(D / (D - 2)),
///   L = max(seq_len, P), P = max_position_embeddings — HF recomputes it whenever a forward reaches
///   past the longest sequence seen, so for one sequence (and for decoding, whose length only grows)
///   this stateless form gives HF's frequencies;
/// llama3: low frequencies (wavelength 2 pi / f > original / low_freq_factor) divided by factor,
///   high ones (wavelength < original / high_freq_factor) kept, the band between interpolated by
///   smooth = (original / wavelength - low) / (high - low): (1 - smooth) f / factor + smooth f.
/// Throws EngineError(Internal) for a type parseRopeScaling does not accept.
torch::Tensor ropeInvFreq(int64_t head_dim, double theta, const RopeScaling& scaling, int64_t seq_len,
                          int64_t max_position_embeddings);

/// Rotary tables for `positions` [T] or [B, T] int64 from `inv_freq` [D/2] (HF LlamaRotaryEmbedding.forward,
/// rotate-half layout): freqs = pos x inv_freq, emb = cat(freqs, freqs); returns {cos(emb), sin(emb)},
/// each [T, D] (or [B, T, D]) float32 on positions' device.
std::pair<torch::Tensor, torch::Tensor> rotaryCosSinFromInvFreq(const torch::Tensor& positions,
                                                                const torch::Tensor& inv_freq);

}  // namespace adamix
