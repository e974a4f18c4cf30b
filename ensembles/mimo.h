// MIMO's training batches (ensembles/mimo.cc: the method `mimo`), for tests.
#ifndef ENSEMBLES_ENSEMBLES_MIMO_H_
#define ENSEMBLES_ENSEMBLES_MIMO_H_

#include <cstdint>
#include <memory>

#include "ensembles/method.h"

namespace ens {

// Reshapes a batch [n, C, ...] into [b * n, M * C, ...]: the batch repeated
// b = `repetitions` times, member m's slot its own shuffle of those rows
// (the last rho * b * n rows shared by every member), targets member-major
// [M * b * n]; drawn from (seed, iteration).
std::shared_ptr<const BatchHook> MakeMimoBatches(int64_t members, double rho, int64_t repetitions, uint64_t seed);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_MIMO_H_
