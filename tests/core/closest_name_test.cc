#include "core/closest_name.h"

#include <gtest/gtest.h>

namespace ens {
namespace {

TEST(ClosestNameTest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("abc", ""), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("fge", "fge"), 0);
}

TEST(ClosestNameTest, PicksNearestWithinHalfLength) {
  const std::vector<std::string> names = {"cosine", "cyclic_cosine", "step", "triangular"};
  EXPECT_EQ(ClosestName("cosin", names), "cosine");
  EXPECT_EQ(ClosestName("stpe", names), "step");
  EXPECT_EQ(ClosestName("xyzxyzxyz", names), "");
  EXPECT_EQ(ClosestName("a", {}), "");
}

}  // namespace
}  // namespace ens
