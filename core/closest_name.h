// Suggestions for misspelled names ("did you mean 'fge'?").
#ifndef ENSEMBLES_CORE_CLOSEST_NAME_H_
#define ENSEMBLES_CORE_CLOSEST_NAME_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace ens {

// Levenshtein distance (insertions, deletions, substitutions cost 1).
int EditDistance(absl::string_view a, absl::string_view b);

// The candidate closest to `name` by edit distance, or "" when none is within
// half of the longer name's length (a suggestion that far off only confuses).
std::string ClosestName(absl::string_view name, const std::vector<std::string>& candidates);

}  // namespace ens

#endif  // ENSEMBLES_CORE_CLOSEST_NAME_H_
