#include "model/rope.h"

#include <algorithm>
#include <cmath>

#include "io/errors.h"

namespace adamix {

namespace {
// HF _compute_default_rope_parameters: 1 / base^(arange(0, dim, 2, int64).float() / dim)
torch::Tensor defaultInvFreq(int64_t head_dim, double base) {
  auto exps = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(head_dim);
  return 1.0 / torch::pow(base, exps);
}
}  // namespace

torch::Tensor ropeInvFreq(int64_t head_dim, double theta, const RopeScaling& s, int64_t seq_len,
                          int64_t max_position_embeddings) {
  if (s.type == "default") return defaultInvFreq(head_dim, theta);
  if (s.type == "linear") return defaultInvFreq(head_dim, theta) / s.factor;
  if (s.type == "dynamic") {
    const double P = static_cast<double>(max_position_embeddings);
    const double L = static_cast<double>(std::max(seq_len, max_position_embeddings));
    const double D = static_cast<double>(head_dim);
    const double base = theta * std::pow(s.factor * L / P - (s.factor - 1), D / (D - 2));
    return defaultInvFreq(head_dim, base);
  }
  if (s.type == "llama3") {
    auto inv_freq = defaultInvFreq(head_dim, theta);
    const double old_len = static_cast<double>(s.original_max_position_embeddings);
    const double low_freq_wavelen = old_len / s.low_freq_factor;
    const double high_freq_wavelen = old_len / s.high_freq_factor;
    auto wavelen = 2 * M_PI / inv_freq;
    auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
    auto smooth = (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    auto medium = wavelen.ge(high_freq_wavelen).logical_and(wavelen.le(low_freq_wavelen));
    return torch::where(medium, smoothed, scaled);
  }
  throw EngineError(ErrorKind::Internal, "rope_scaling type '" + s.type + "' has no frequencies");
}

std::pair<torch::Tensor, torch::Tensor> rotaryCosSinFromInvFreq(const torch::Tensor& positions,
                                                                const torch::Tensor& inv_freq) {
  // freqs = pos x inv_freq: [T, D/2] (or [B, T, D/2] for per-row positions)
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq.to(positions.device());
  auto emb = torch::cat({freqs, freqs}, -1);  // [T, D]
  return {emb.cos(), emb.sin()};
}

}  // namespace adamix
