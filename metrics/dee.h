// Deep Ensemble Equivalent (Ashukha et al. 2020): for a method whose ensemble
// of size k reaches calibrated NLL c, the smallest real l >= 1 such that a
// deep ensemble of size l reaches it: CLL_DE(l) >= -c, with the deep
// ensemble's curve interpolated linearly between the sizes it was measured
// at. 1 when the method is no better than DE(1); the largest measured size
// when it beats every deep ensemble measured.
#ifndef ENSEMBLES_METRICS_DEE_H_
#define ENSEMBLES_METRICS_DEE_H_

#include <utility>
#include <vector>

namespace ens {

// `reference`: (size, calibrated NLL) of deep ensembles, sorted by size.
double DeepEnsembleEquivalent(const std::vector<std::pair<double, double>>& reference, double cnll);

}  // namespace ens

#endif  // ENSEMBLES_METRICS_DEE_H_
