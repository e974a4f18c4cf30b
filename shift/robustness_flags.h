// What --ood, --shift and their parameters say, as the user wrote them (no
// LibTorch: RunConfig holds one; shift/evaluation_sets.h parses it).
#ifndef ENSEMBLES_SHIFT_ROBUSTNESS_FLAGS_H_
#define ENSEMBLES_SHIFT_ROBUSTNESS_FLAGS_H_

#include <string>

namespace ens {

struct RobustnessFlags {
  std::string ood;                                // NAME[,NAME...]
  std::string ood_args;                           // NAME:k=v,...[;NAME:...], or k=v,... with one set
  std::string shift;                              // all or NAME[,NAME...]
  std::string shift_severities = "1:2:3:4:5";     // severities in 1..5
  std::string shift_args;                         // as ood_args
  std::string shift_dump;                         // directory for the first corrupted images of each set
};

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_ROBUSTNESS_FLAGS_H_
