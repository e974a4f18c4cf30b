// Out-of-distribution sets: images from elsewhere that an ensemble should be
// unsure about, registered by name (built-ins and plugins) and selected by
// --ood=NAME[,NAME...]. A set is a pure function of its parameters, the
// run's in-domain dataset and a seed; its images have the in-domain test
// images' shape (an error names both shapes otherwise) and are normalised
// with the in-domain statistics, as the network would see any input.
//
//   ENS_ASSIGN_OR_RETURN(torch::Tensor images, MakeOodSet("mnist", "dir=../shared/data/mnist", context));
#ifndef ENSEMBLES_SHIFT_OOD_SET_H_
#define ENSEMBLES_SHIFT_OOD_SET_H_

#include <cstdint>
#include <functional>
#include <string>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/params.h"
#include "core/registry.h"
#include "datasets/dataset.h"

namespace ens {

struct OodContext {
  const Dataset* in_domain = nullptr;  // the run's dataset, loaded
  uint64_t seed = 0;                   // of sets drawn at random
};

// Images uint8 [N, C, H, W].
using OodSetFactory = std::function<absl::StatusOr<torch::Tensor>(const Params& params, const OodContext& context)>;

Registry<OodSetFactory>& OodSetRegistry();

// Looks `name` up, parses `args`, makes the set and checks its shape against
// the in-domain test images.
absl::StatusOr<torch::Tensor> MakeOodSet(absl::string_view name, absl::string_view args, const OodContext& context);

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_OOD_SET_H_
