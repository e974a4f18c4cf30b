// The POSIX directory helpers: listing (sorted, recursive with sizes),
// removal of a tree with a symbolic link in it (the link goes, its target
// stays), a missing path.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file_tree.h"

namespace ens {
namespace {

std::string Tmp(const std::string& name) { return ::testing::TempDir() + "/file_tree_" + name; }

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(FileTreeTest, ListsAndRemovesTrees) {
  const std::string root = Tmp("root"), kept = Tmp("kept");
  ASSERT_TRUE(RemoveTree(root).ok());
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/sub").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(kept.c_str(), 0755), 0);
  Write(root + "/b.txt", "12345");
  Write(root + "/a.txt", "1");
  Write(root + "/sub/c.bin", "123");
  Write(kept + "/keep.txt", "x");
  ASSERT_EQ(symlink(kept.c_str(), (root + "/link").c_str()), 0);

  auto names = ListDirectory(root);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ(*names, (std::vector<std::string>{"a.txt", "b.txt", "link", "sub"}));
  auto files = ListFilesRecursively(root);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 3u);  // the link is not followed
  EXPECT_EQ((*files)[1], std::make_pair(root + "/b.txt", int64_t{5}));
  EXPECT_EQ((*files)[2], std::make_pair(root + "/sub/c.bin", int64_t{3}));
  EXPECT_TRUE(IsDirectory(root));
  EXPECT_FALSE(IsDirectory(root + "/a.txt"));

  ASSERT_TRUE(RemoveTree(root).ok());
  EXPECT_FALSE(PathExists(root));
  EXPECT_TRUE(PathExists(kept + "/keep.txt"));
  EXPECT_TRUE(RemoveTree(root).ok());  // already gone
  EXPECT_FALSE(ListDirectory(root).ok());
  ASSERT_TRUE(RemoveTree(kept).ok());
}

}  // namespace
}  // namespace ens
