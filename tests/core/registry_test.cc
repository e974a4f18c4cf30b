#include "core/registry.h"

#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ens {
namespace {

using ::testing::HasSubstr;
using Factory = std::function<int()>;

TEST(RegistryTest, FindsRegisteredEntries) {
  Registry<Factory> registry("widget", "--widget");
  ASSERT_TRUE(registry.Add({"alpha", "first", ParamSchema(), "a.cc", 1, [] { return 1; }}).ok());
  ASSERT_TRUE(registry.Add({"beta", "second", ParamSchema(), "b.cc", 2, [] { return 2; }}).ok());
  auto entry = registry.Find("beta");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ((*entry)->factory(), 2);
  EXPECT_EQ((*entry)->file, "b.cc");
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"alpha", "beta"}));
}

TEST(RegistryTest, DuplicateNamesBothSites) {
  Registry<Factory> registry("widget", "--widget");
  ASSERT_TRUE(registry.Add({"alpha", "", ParamSchema(), "first.cc", 10, [] { return 1; }}).ok());
  absl::Status status = registry.Add({"alpha", "", ParamSchema(), "second.cc", 20, [] { return 2; }});
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(status.message()), HasSubstr("first.cc:10"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("second.cc:20"));
  EXPECT_EQ(registry.Find("alpha").value()->factory(), 1);  // the first one stays
}

TEST(RegistryTest, UnknownNameListsNamesAndClosest) {
  Registry<Factory> registry("method", "--method");
  for (const char* name : {"deep_ensemble", "snapshot", "fge"}) {
    ASSERT_TRUE(registry.Add({name, "", ParamSchema(), "x.cc", 1, [] { return 0; }}).ok());
  }
  auto missing = registry.Find("snapshots");
  ASSERT_FALSE(missing.ok());
  const std::string message(missing.status().message());
  EXPECT_THAT(message, HasSubstr("unknown method 'snapshots'"));
  EXPECT_THAT(message, HasSubstr("did you mean 'snapshot'?"));
  EXPECT_THAT(message, HasSubstr("deep_ensemble, fge, snapshot"));
  EXPECT_THAT(std::string(registry.Find("zzzzzzzzzz").status().message()), ::testing::Not(HasSubstr("did you mean")));
}

TEST(RegistryTest, EmptyNameIsRejected) {
  Registry<Factory> registry("widget", "--widget");
  EXPECT_FALSE(registry.Add({"", "", ParamSchema(), "x.cc", 3, [] { return 0; }}).ok());
}

}  // namespace
}  // namespace ens
