// Every tag of a point-to-point message between the processes of a
// distributed run (engine/distributed.h), in one place so that no two uses
// collide.
#ifndef ENSEMBLES_ENGINE_MESSAGE_TAGS_H_
#define ENSEMBLES_ENGINE_MESSAGE_TAGS_H_

namespace ens {

enum MessageTag : int {
  // Member-parallel training (TrainIndependentMembers): a rank's members go
  // to rank 0 as a JSON header and their weights; rank 0 sends the order.
  kMembersHeaderTag = 1,
  kMembersWeightsTag = 2,
  kMemberOrderTag = 3,
  // Rank 0 tells the others that results.json is written.
  kRunDoneTag = 100,
  // Member i's test log-probabilities, sent to rank 0: kMemberPredictionsTag + i.
  kMemberPredictionsTag = 1 << 20,
};

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_MESSAGE_TAGS_H_
