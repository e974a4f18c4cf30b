#include "metrics/dee.h"

#include <cstddef>

namespace ens {

double DeepEnsembleEquivalent(const std::vector<std::pair<double, double>>& reference, double cnll) {
  if (reference.empty()) return 1.0;
  if (cnll >= reference.front().second) return 1.0;
  for (size_t i = 1; i < reference.size(); ++i) {
    const auto [s0, c0] = reference[i - 1];
    const auto [s1, c1] = reference[i];
    if (c1 <= cnll) {
      // First segment whose end reaches the method's value.
      if (c0 == c1) return s0;
      const double l = s0 + (c0 - cnll) / (c0 - c1) * (s1 - s0);
      return l < 1.0 ? 1.0 : l;
    }
  }
  return reference.back().first;
}

}  // namespace ens
