// One-dimensional minimisation of a unimodal function by golden-section
// search: the temperature of calibrated NLL, boosting's step length.
#ifndef ENSEMBLES_METRICS_GOLDEN_SECTION_H_
#define ENSEMBLES_METRICS_GOLDEN_SECTION_H_

#include <cmath>

namespace ens {

// The x in [lo, hi] minimising f (assumed unimodal there), to within
// (hi - lo) * 0.618^iterations.
template <typename F>
double GoldenSectionMinimize(F&& f, double lo, double hi, int iterations = 60) {
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double a = lo, b = hi;
  double x1 = b - golden * (b - a), x2 = a + golden * (b - a);
  double f1 = f(x1), f2 = f(x2);
  for (int i = 0; i < iterations; ++i) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - golden * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + golden * (b - a);
      f2 = f(x2);
    }
  }
  return (a + b) / 2;
}

}  // namespace ens

#endif  // ENSEMBLES_METRICS_GOLDEN_SECTION_H_
