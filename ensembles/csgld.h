// Cyclical SGLD (Zhang et al., ICLR 2020): cyclic cosine learning rate; in the
// last part of every cycle each SGD step gets Langevin noise and samples are
// collected.
#ifndef ENSEMBLES_ENSEMBLES_CSGLD_H_
#define ENSEMBLES_ENSEMBLES_CSGLD_H_

#include <cstdint>

#include <ATen/core/Generator.h>

#include "models/model.h"

namespace ens {

// The standard deviation of the noise added to each weight after an SGD step
// at rate `lr`: sqrt(2 lr T / n), with the mean loss over a batch and n the
// training set size (the reference code's scaling).
double LangevinNoiseStd(double lr, double temperature, int64_t dataset_size);

// Adds that noise to every parameter of `net` (drawn on the CPU from
// `generator`, so a run is reproducible on any device).
void AddLangevinNoise(Network& net, double lr, double temperature, int64_t dataset_size, at::Generator& generator);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_CSGLD_H_
