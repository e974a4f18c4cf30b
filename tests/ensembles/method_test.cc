#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, UnknownMethodAndArgs) {
  auto unknown = MakeMethod("snapshott", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("did you mean 'snapshot'?"));
  auto bad = MakeMethod("snapshot", "variant=other");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("must be one of: cycle, nocycle, singlecycle"));
}

}  // namespace
}  // namespace ens
