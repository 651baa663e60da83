#include "analysis/welch_test.h"

#include <boost/math/distributions/students_t.hpp>

#include <cmath>
#include <limits>

namespace adamix::app::analysis {

namespace {

struct Moments {
  double mean = 0, var = 0;  ///< sample variance (n − 1)
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= double(x.size());
  for (double v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= double(x.size() - 1);
  return m;
}

}  // namespace

bool WelchTest::defined() const { return std::isfinite(t) && std::isfinite(p); }

WelchTest welchTTest(const std::vector<double>& a, const std::vector<double>& b, double level) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  WelchTest w;
  w.nA = int(a.size());
  w.nB = int(b.size());
  w.level = level;
  w.meanA = w.meanB = w.diff = w.t = w.df = w.p = w.ciLow = w.ciHigh = nan;
  if (!a.empty()) w.meanA = moments(a.size() > 1 ? a : std::vector<double>{a[0], a[0]}).mean;
  if (!b.empty()) w.meanB = moments(b.size() > 1 ? b : std::vector<double>{b[0], b[0]}).mean;
  w.diff = w.meanA - w.meanB;
  if (a.size() < 2 || b.size() < 2 || !(level > 0 && level < 1)) return w;
  const Moments ma = moments(a), mb = moments(b);
  const double sa = ma.var / double(a.size()), sb = mb.var / double(b.size());
  const double se2 = sa + sb;
  if (!(se2 > 0) || !std::isfinite(se2)) return w;
  const double se = std::sqrt(se2);
  w.t = w.diff / se;
  // Welch–Satterthwaite
  w.df = se2 * se2 / (sa * sa / double(a.size() - 1) + sb * sb / double(b.size() - 1));
  const boost::math::students_t dist(w.df);
  w.p = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(w.t))));
  const double q = boost::math::quantile(boost::math::complement(dist, (1 - level) / 2));
  w.ciLow = w.diff - q * se;
  w.ciHigh = w.diff + q * se;
  return w;
}

}  // namespace adamix::app::analysis
