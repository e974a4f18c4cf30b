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

// A member whose loss turns non-finite stops the job, or, with
// skip_diverged_members, is dropped while the others train.
TEST_F(MethodsTest, DivergedMembersFailOrAreSkipped) {
  int calls = 0;
  // Member 2 of 3 gets an absurd rate: its loss overflows.
  const auto make_schedule = [&]() {
    return MakeSchedule("constant", "", ScheduleContext{100, 12, ++calls == 2 ? 1e30 : 0.05});
  };
  auto failed = TrainIndependentMembers(context_, 3, 2, make_schedule);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(IsDivergence(failed.status()));
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("training diverged: member 2/3 (train) epoch 1"));

  calls = 0;
  context_.skip_diverged_members = true;
  auto skipped = TrainIndependentMembers(context_, 3, 2, make_schedule);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->size(), 2u);

  auto all = TrainIndependentMembers(context_, 2, 2, [&]() {
    return MakeSchedule("constant", "", ScheduleContext{100, 12, 1e30});
  });
  ASSERT_FALSE(all.ok());
  EXPECT_THAT(std::string(all.status().message()), HasSubstr("training diverged: all 2 members"));
}

// Members trained together share one loss: a member that diverges stops its
// group; with skip_diverged_members the group is retrained one member at a
// time and only the diverging member is dropped.
TEST_F(MethodsTest, MembersTogetherDivergeAsAGroupThenOneAtATime) {
  int calls = 0;
  // The group's schedule and then member 1's alone get an absurd rate.
  const auto make_schedule = [&]() {
    ++calls;
    return MakeSchedule("constant", "", ScheduleContext{100, 12, calls <= 2 ? 1e30 : 0.05});
  };
  context_.members_together = 3;
  auto failed = TrainIndependentMembers(context_, 3, 2, make_schedule);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(IsDivergence(failed.status()));
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("training diverged: members 1-3/3 (train) epoch 1"));

  calls = 0;
  context_.skip_diverged_members = true;
  auto skipped = TrainIndependentMembers(context_, 3, 2, make_schedule);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->size(), 2u);
  EXPECT_EQ(calls, 4);  // the group, then each of its members alone
}

}  // namespace
}  // namespace ens
