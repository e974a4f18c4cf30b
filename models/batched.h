// Members trained together: K networks of one architecture run as a single
// network whose layers hold all K members side by side, so each kernel does
// K members' work at once (grouped convolutions, batched matmuls).
//
//   ENS_ASSIGN_OR_RETURN(auto together, BatchedNetwork::Pack(make_model, members, {1, 28, 28}));
//   torch::Tensor logits = together->forward(images);  // [K*n, ...] -> [K*n, classes]
//   together->Unpack(k, *members[k]);                   // member k's trained weights
//
// Layout: member k owns channel block k of every activation ([n, K*C, H, W])
// and feature block k of every Linear input; every parameter and BatchNorm
// buffer is the K members' tensors concatenated along dimension 0, so each
// member keeps its own BatchNorm statistics, and elementwise optimizers (SGD,
// momentum, weight decay) update each member exactly as they would alone.
// The forward takes the K members' batches one after the other ([K*n, C, H,
// W], member-major) and returns their logits in the same order.
//
// An architecture qualifies when its forward never mixes channel blocks:
// lenet, mlp, vgg, preresnet, wrn do; densenet (concatenations) and resnet
// (zero-padded shortcuts) do not. Pack checks this on a probe batch and says
// so instead of training something else.
#ifndef ENSEMBLES_MODELS_BATCHED_H_
#define ENSEMBLES_MODELS_BATCHED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "models/model.h"

namespace ens {

// Conv2d as one grouped convolution of K groups, Linear as a batched matmul
// over K blocks, BatchNorm2d over K * features channels.
class BatchedLayers : public LayerFactory {
 public:
  explicit BatchedLayers(int64_t members) : members_(members) {}
  torch::nn::AnyModule Linear(int64_t in_features, int64_t out_features, bool bias) override;
  torch::nn::AnyModule Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                              int64_t padding, bool bias) override;
  torch::nn::AnyModule BatchNorm2d(int64_t features) override;

 private:
  int64_t members_;
};

class BatchedNetwork : public Network {
 public:
  // One network holding `members` (same architecture, each with its own
  // weights and BatchNorm statistics), on the members' device; `input_shape`
  // (C, H, W) is one example's. Fails, naming the reason, when the
  // architecture mixes members (see above).
  static absl::StatusOr<std::shared_ptr<BatchedNetwork>> Pack(const ModelMaker& make,
                                                              const std::vector<std::shared_ptr<Network>>& members,
                                                              const std::vector<int64_t>& input_shape);

  torch::Tensor forward(const torch::Tensor& x) override;

  // Copies member k's weights and buffers into `member` (its architecture).
  absl::Status Unpack(int64_t k, Network& member) const;

  int64_t members() const { return members_; }

 private:
  BatchedNetwork(std::shared_ptr<Network> together, int64_t members);
  // Whether a probe batch gives the members' own outputs.
  absl::Status CheckAgainst(const std::vector<std::shared_ptr<Network>>& members, const torch::Tensor& probe);

  std::shared_ptr<Network> together_;
  int64_t members_;
};

}  // namespace ens

#endif  // ENSEMBLES_MODELS_BATCHED_H_
