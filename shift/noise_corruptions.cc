// The four noise corruptions of CIFAR-10-C, every pixel and channel drawn
// independently.
#include <torch/types.h>

#include "shift/corruption.h"
#include "shift/draws.h"

namespace ens {
namespace {

ParamSchema LevelsSchema(const std::string& defaults, const std::string& help, double min = 0) {
  return ParamSchema().DoubleList("c", defaults, help).Min(min);
}

// x + N(0, c^2)
Corruption GaussianNoise(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    Draws draws(seed);
    return (x + LevelOf(p, "c", severity) * draws.Normal(x.sizes(), x)).clamp(0, 1);
  };
}

// Poisson(x c) / c: photon counts of an exposure of c photons at white
Corruption ShotNoise(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    Draws draws(seed);
    const double c = LevelOf(p, "c", severity);
    return (draws.Poisson(x * c) / c).clamp(0, 1);
  };
}

// salt and pepper (scikit-image's random_noise 's&p'): each value with
// probability c becomes 1 or 0, even odds
Corruption ImpulseNoise(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    Draws draws(seed);
    const torch::Tensor flipped = draws.Uniform(x.sizes(), 0, 1, x) < LevelOf(p, "c", severity);
    const torch::Tensor salt = draws.Uniform(x.sizes(), 0, 1, x) < 0.5;
    return torch::where(flipped, salt.to(x.scalar_type()), x);
  };
}

// x + x N(0, c^2): noise in proportion to the signal
Corruption SpeckleNoise(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    Draws draws(seed);
    return (x + x * LevelOf(p, "c", severity) * draws.Normal(x.sizes(), x)).clamp(0, 1);
  };
}

ENS_REGISTER(CorruptionRegistry(), "gaussian_noise", "x + N(0, c^2) per value, clipped (CIFAR-10-C)",
             LevelsSchema("0.04:0.06:0.08:0.09:0.10", "noise standard deviation per severity"), GaussianNoise);
ENS_REGISTER(CorruptionRegistry(), "shot_noise", "Poisson(x c) / c per value, clipped (CIFAR-10-C)",
             LevelsSchema("500:250:100:75:50", "photons at white per severity", 1), ShotNoise);
ENS_REGISTER(CorruptionRegistry(), "impulse_noise", "salt and pepper: each value 0 or 1 with probability c (CIFAR-10-C)",
             LevelsSchema("0.01:0.02:0.03:0.05:0.07", "fraction of values replaced per severity"), ImpulseNoise);
ENS_REGISTER(CorruptionRegistry(), "speckle_noise", "x + x N(0, c^2) per value, clipped (CIFAR-10-C)",
             LevelsSchema("0.06:0.10:0.12:0.16:0.20", "relative noise standard deviation per severity"),
             SpeckleNoise);

}  // namespace
}  // namespace ens
