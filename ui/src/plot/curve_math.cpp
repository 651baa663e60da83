// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/curve_math.h"

#include <algorithm>
#include <cmath>

namespace adamix::ui {

std::vector<double> ema(const std::vector<double>& y, double w) {
  if (w <= 0) return y;
  w = std::min(w, 0.999);
  std::vector<double> out(y.size());
  double acc = 0, norm = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      out[i] = y[i];
      continue;
    }
    acc = w * acc + (1 - w) * y[i];
    norm = w * norm + (1 - w);
    out[i] = acc / norm;  // debiased: the first values are not pulled towards 0
  }
  return out;
}

std::vector<double> emaOfMeans(const std::vector<double>& y, const std::vector<double>& counts, double w) {
  if (w <= 0) return y;
  w = std::min(w, 0.999);
  std::vector<double> out(y.size());
  double acc = 0, norm = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double n = i < counts.size() ? counts[i] : 1;
    if (!std::isfinite(y[i]) || n <= 0) {
      out[i] = y[i];
      continue;
    }
    const double decay = n == 1 ? w : std::pow(w, n);
    acc = decay * acc + (1 - decay) * y[i];
    norm = decay * norm + (1 - decay);
    out[i] = acc / norm;
  }
  return out;
}

void BandAccumulator::add(double key, double x, double y) {
  Acc& a = acc_[key];
  a.n += 1;
  a.sumX += x;
  const double delta = y - a.mean;
  a.mean += delta / a.n;
  a.m2 += delta * (y - a.mean);
}

MeanBand BandAccumulator::band() const {
  MeanBand band;
  for (const auto& [key, a] : acc_) {
    const double sd = a.n > 1 ? std::sqrt(a.m2 / (a.n - 1)) : (std::isnan(a.mean) ? a.mean : 0);
    band.x.push_back(a.sumX / a.n);
    band.mean.push_back(a.mean);
    band.lo.push_back(a.mean - sd);
    band.hi.push_back(a.mean + sd);
  }
  return band;
}

MeanBand meanStdByStep(const std::vector<StepCurve>& curves) {
  BandAccumulator acc;
  for (const StepCurve& c : curves)
    for (size_t k = 0; k < c.step.size(); ++k) acc.add(c.step[k], c.x[k], c.y[k]);
  return acc.band();
}

}  // namespace adamix::ui
