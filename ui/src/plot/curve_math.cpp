// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/curve_math.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

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

MeanBand meanStdByStep(const std::vector<StepCurve>& curves) {
  std::map<double, std::vector<std::pair<double, double>>> byStep;  // step → (x, y) per curve
  for (const StepCurve& c : curves)
    for (size_t k = 0; k < c.step.size(); ++k) byStep[c.step[k]].push_back({c.x[k], c.y[k]});
  MeanBand band;
  for (const auto& [step, vals] : byStep) {
    double sx = 0, sy = 0;
    for (const auto& [vx, vy] : vals) {
      sx += vx;
      sy += vy;
    }
    const double n = double(vals.size());
    const double m = sy / n;
    double var = 0;
    for (const auto& v : vals) var += (v.second - m) * (v.second - m);
    const double sd = vals.size() > 1 ? std::sqrt(var / (n - 1)) : 0;
    band.x.push_back(sx / n);
    band.mean.push_back(m);
    band.lo.push_back(m - sd);
    band.hi.push_back(m + sd);
  }
  return band;
}

}  // namespace adamix::ui
