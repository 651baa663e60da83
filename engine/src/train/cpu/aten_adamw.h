// One pass of transformers 4.4.2 AdamW (train/hf_adamw.h) over float arrays with the exact roundings
// of the eight LibTorch 1.13 CPU operators it is written with, for the AVX2 CPU capability
// (cpu_kernel_vec's vectorized_loop: two 8-lane vectors per step, then the last n % 16 elements
// through the scalar lambda; GCC compiled both with their multiply-adds contracted, the vector
// ones too, its AVX intrinsics being plain vector arithmetic):
//   m.mul_(β1).add_(g, 1 − β1)         add: vec::fmadd(g, α, m) / scalar fma(α, g, m)
//   v.mul_(β2).addcmul_(g, g, 1 − β2)  v + (c·g)·g as fma(c·g, g, v) on both paths
//   d = v.sqrt().add_(eps)          correctly rounded either way
//   p.addcdiv_(m, d, −step)         p + (s·m) / d
//   p.add_(p, −lr·wd)               vec::fmadd(p, α, p) / scalar fma(α, p, p)
// Plain C++ (no LibTorch; compiled with -mavx2 -mfma -ffp-contract=off); train/hf_adamw.cpp checks
// that the running LibTorch agrees and splits tensors as ATen does.
#pragma once
#include <cstdint>

namespace adamix::cpu {

/// The update's constants, each as ATen converts the double Scalar to float.
struct AdamWScalars {
  float beta1, one_minus_beta1;  ///< β1 and (float)(1 − β1)
  float beta2, one_minus_beta2;  ///< β2 and (float)(1 − β2)
  float eps;
  float neg_step_size;  ///< −lr · √(1 − β2^t) / (1 − β1^t)
  float neg_decay;      ///< −lr · weight_decay; used when `decay`
  bool decay;
};

/// One ATen loop over n elements of each array (one of ATen's chunks): updates m, v and p in
/// place from g as the operator sequence above does. p, m, v, g must not overlap.
void atenAdamWUpdate(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s);

}  // namespace adamix::cpu
