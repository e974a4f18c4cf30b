// Packed-Ensembles' layers (ensembles/packed_ensembles.cc: the method
// `packed_ensembles`), for tests and methods built on them.
#ifndef ENSEMBLES_ENSEMBLES_PACKED_ENSEMBLES_H_
#define ENSEMBLES_ENSEMBLES_PACKED_ENSEMBLES_H_

#include <cstdint>
#include <memory>

#include "ensembles/method.h"

namespace ens {

// `members` networks in one: every Linear / Conv2d / BatchNorm width c
// becomes alpha x c (rounded up to a multiple of members x gamma), in
// members x gamma groups; the first layer made is dense over the input; a
// Linear with `classes` outputs is the last, members x classes outputs in
// `members` groups. The network's logits are [n, members x classes].
std::unique_ptr<LayerFactory> MakePackedLayers(int64_t members, int64_t alpha, int64_t gamma, int64_t classes);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_PACKED_ENSEMBLES_H_
