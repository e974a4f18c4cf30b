#include "core/short_number.h"

#include <cmath>

#include <gtest/gtest.h>

namespace ens {
namespace {

TEST(ShortNumberTest, ThreeDigitsAndAnSiPrefix) {
  EXPECT_EQ(ShortNumber(0), "0");
  EXPECT_EQ(ShortNumber(999), "999");
  EXPECT_EQ(ShortNumber(1000), "1k");
  EXPECT_EQ(ShortNumber(271994), "272k");
  EXPECT_EQ(ShortNumber(1088744), "1.09M");
  EXPECT_EQ(ShortNumber(999999), "1M");  // not "1e+03k"
  EXPECT_EQ(ShortNumber(1.14e12), "1.14T");
  EXPECT_EQ(ShortNumber(NAN), "-");
}

}  // namespace
}  // namespace ens
