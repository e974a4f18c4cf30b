#include "metrics/dee.h"

#include <gtest/gtest.h>

namespace ens {
namespace {

const std::vector<std::pair<double, double>> kReference = {{1, 0.30}, {2, 0.26}, {3, 0.24}, {5, 0.22}};

TEST(DeeTest, InterpolatesBetweenSizes) {
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.28), 1.5);
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.26), 2.0);
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.23), 4.0);  // between sizes 3 and 5
}

TEST(DeeTest, ClampsAtBothEnds) {
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.35), 1.0);  // worse than one network
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.30), 1.0);
  EXPECT_DOUBLE_EQ(DeepEnsembleEquivalent(kReference, 0.10), 5.0);  // better than every measured size
}

}  // namespace
}  // namespace ens
