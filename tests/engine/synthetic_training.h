// The engine tests' data and network: the synthetic dataset and a small MLP,
// real training in well under a second.
#ifndef ENSEMBLES_TESTS_ENGINE_SYNTHETIC_TRAINING_H_
#define ENSEMBLES_TESTS_ENGINE_SYNTHETIC_TRAINING_H_

#include <cstdint>
#include <memory>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "datasets/dataset.h"
#include "models/model.h"

namespace ens {

inline Dataset Data() {
  auto data = MakeDataset("synthetic", "noise=0.35,train=400,test=300", {0});
  EXPECT_TRUE(data.ok());
  return *data;
}

// Initialised from `seed`.
inline std::shared_ptr<Network> Mlp(const Dataset& data, uint64_t seed) {
  torch::manual_seed(seed);
  return *MakeModel("mlp", "width=32,depth=1", ModelSpec{data.channels(), data.image_size(), data.num_classes},
                    StandardLayers());
}

}  // namespace ens

#endif  // ENSEMBLES_TESTS_ENGINE_SYNTHETIC_TRAINING_H_
