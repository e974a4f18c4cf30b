#include "core/params.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ens {
namespace {

using ::testing::HasSubstr;

ParamSchema Schema() {
  ParamSchema schema;
  schema.Int("cycles", 5, "number of cycles").Min(1).Max(100)
      .Double("gamma", 0.1, "decay").Min(0).Max(1)
      .OptionalDouble("lr0", "--lr", "initial rate").Min(0)
      .Bool("nesterov", false, "use nesterov")
      .String("variant", "cycle", "kind").Choices({"cycle", "nocycle"})
      .DoubleList("milestones", "0.5:0.75", "fractions").Min(0).Max(1);
  return schema;
}

std::string Error(absl::string_view text) {
  auto parsed = Params::Parse(Schema(), text, "schedule 'x'");
  EXPECT_FALSE(parsed.ok()) << text;
  return std::string(parsed.status().message());
}

TEST(ParamsTest, DefaultsApplyWhenEmpty) {
  auto p = Params::Parse(Schema(), "", "schedule 'x'");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Int("cycles"), 5);
  EXPECT_DOUBLE_EQ(p->Double("gamma"), 0.1);
  EXPECT_FALSE(p->Has("lr0"));
  EXPECT_DOUBLE_EQ(p->DoubleOr("lr0", 0.7), 0.7);
  EXPECT_FALSE(p->Bool("nesterov"));
  EXPECT_EQ(p->String("variant"), "cycle");
  EXPECT_EQ(p->DoubleList("milestones"), (std::vector<double>{0.5, 0.75}));
  EXPECT_FALSE(p->WasSet("cycles"));
}

TEST(ParamsTest, ParsesEveryType) {
  auto p = Params::Parse(Schema(), " cycles=7, gamma=0.5,lr0=0.2,nesterov=true,variant=nocycle,milestones=0.3:0.6:0.9",
                         "schedule 'x'");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Int("cycles"), 7);
  EXPECT_DOUBLE_EQ(p->Double("gamma"), 0.5);
  EXPECT_DOUBLE_EQ(p->DoubleOr("lr0", 1), 0.2);
  EXPECT_TRUE(p->Bool("nesterov"));
  EXPECT_EQ(p->String("variant"), "nocycle");
  EXPECT_EQ(p->DoubleList("milestones"), (std::vector<double>{0.3, 0.6, 0.9}));
  EXPECT_TRUE(p->WasSet("cycles"));
  EXPECT_EQ(p->AsStrings().at("milestones"), "0.3:0.6:0.9");
}

TEST(ParamsTest, UnknownKeyNamesKeyClosestAndAllowed) {
  const std::string message = Error("gama=0.2");
  EXPECT_THAT(message, HasSubstr("schedule 'x'"));
  EXPECT_THAT(message, HasSubstr("unknown parameter 'gama'"));
  EXPECT_THAT(message, HasSubstr("did you mean 'gamma'?"));
  EXPECT_THAT(message, HasSubstr("allowed: cycles, gamma, lr0, nesterov, variant, milestones"));
}

TEST(ParamsTest, BadValuesNameKeyValueAndWhatIsAllowed) {
  EXPECT_THAT(Error("cycles=many"), HasSubstr("parameter 'cycles'='many' is not an integer"));
  EXPECT_THAT(Error("cycles=2.5"), HasSubstr("is not an integer"));
  EXPECT_THAT(Error("gamma=abc"), HasSubstr("parameter 'gamma'='abc' is not a number"));
  EXPECT_THAT(Error("cycles=0"), HasSubstr("parameter 'cycles'='0' is out of range; allowed: [1, 100]"));
  EXPECT_THAT(Error("gamma=1.5"), HasSubstr("allowed: [0, 1]"));
  EXPECT_THAT(Error("lr0=-1"), HasSubstr("allowed: >= 0"));
  EXPECT_THAT(Error("gamma=nan"), HasSubstr("out of range"));
  EXPECT_THAT(Error("nesterov=maybe"), HasSubstr("is not a boolean"));
  EXPECT_THAT(Error("variant=zigzag"), HasSubstr("must be one of: cycle, nocycle"));
  EXPECT_THAT(Error("milestones=0.5:x"), HasSubstr("list of numbers"));
  EXPECT_THAT(Error("milestones=0.5:2"), HasSubstr("out of range"));
}

TEST(ParamsTest, MalformedItemsAndRepeats) {
  EXPECT_THAT(Error("cycles"), HasSubstr("expected key=value, got 'cycles'"));
  EXPECT_THAT(Error("=3"), HasSubstr("expected key=value"));
  EXPECT_THAT(Error("cycles=2,cycles=3"), HasSubstr("given twice"));
}

TEST(ParamsTest, DescribeListsDefaultsAndRanges) {
  const std::string text = Schema().Describe("  ");
  EXPECT_THAT(text, HasSubstr("  cycles (int, default 5, [1, 100]): number of cycles\n"));
  EXPECT_THAT(text, HasSubstr("lr0 (float, default --lr, >= 0)"));
  EXPECT_THAT(text, HasSubstr("one of cycle|nocycle"));
}

}  // namespace
}  // namespace ens
