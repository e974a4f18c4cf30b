// Finished runs read back as parts of a new run: the members that combine
// and select put together, distill's teacher. A run's results.json says how
// its members were trained (method, model, dataset, their parameters, the
// seed); members/ holds them. Each run's dataset is loaded again as it was
// (its parameters, its seed): its test split must be this run's, and its
// normalisation statistics are those its members were trained with.
//
//   ENS_ASSIGN_OR_RETURN(std::vector<PoolPart> parts,
//                        OpenPoolParts("method 'combine'", SplitRunList("runs/a:runs/b"), *context.data, false));
#ifndef ENSEMBLES_ENSEMBLES_POOL_PARTS_H_
#define ENSEMBLES_ENSEMBLES_POOL_PARTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "ensembles/pooled_ensemble.h"

namespace ens {

// "DIR:DIR:..." as a list (empty entries dropped).
std::vector<std::string> SplitRunList(const std::string& runs);

// Opens each finished run (a directory as the user typed it) as a part for a
// run on `data`; a run whose members combine by weighted logits (boosting's
// stages) is refused. With `same_validation` each run must also have held out
// `data`'s validation split, so that none of its members saw it in training.
// Errors start with `who` and name the run and what differs.
absl::StatusOr<std::vector<PoolPart>> OpenPoolParts(const std::string& who, const std::vector<std::string>& dirs,
                                                    const Dataset& data, bool same_validation);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_POOL_PARTS_H_
