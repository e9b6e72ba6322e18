#include "web/file_cache.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "support/process.hpp"

namespace foobar::web {

namespace {

using namespace std::chrono_literals;

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b", "c"}) std::ofstream(dir_ / name) << std::string(100, name[0]);
    root_ = ::open(dir_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override { ::close(root_); }

  FileCache cache(std::size_t max_entries, std::uint64_t max_memory = 1 << 20) {
    return FileCache(root_, {.validity = 60s, .max_file_bytes = 1024, .max_entries = max_entries, .max_memory = max_memory});
  }

  test::TempDir dir_;
  int root_ = -1;
};

}  // namespace

TEST_F(FileCacheTest, HitsShareTheOpenFile) {
  auto c = cache(10);
  auto first = c.open("a");
  ASSERT_EQ(first.error, FileCache::Error::None);
  EXPECT_EQ(first.file->content, std::string(100, 'a'));
  EXPECT_EQ(c.open("a").file, first.file);
  EXPECT_EQ(c.open("missing").error, FileCache::Error::NotFound);
  EXPECT_EQ(c.open("").error, FileCache::Error::IsDirectory);
}

TEST_F(FileCacheTest, EvictsTheLeastRecentlyUsedEntry) {
  auto c = cache(2);
  auto a = c.open("a").file;
  auto b = c.open("b").file;
  EXPECT_EQ(c.open("a").file, a);  // a is now the most recent
  c.open("c");                     // over the bound: b goes
  EXPECT_EQ(c.open("a").file, a);
  EXPECT_NE(c.open("b").file, b);
  // An evicted file stays usable by whoever still holds it.
  char byte = 0;
  EXPECT_EQ(::pread(b->fd, &byte, 1, 0), 1);
  EXPECT_EQ(byte, 'b');
}

TEST_F(FileCacheTest, BoundsTheBytesKeptInMemory) {
  auto c = cache(100, 250);  // room for two of the 100-byte files
  auto a = c.open("a").file;
  auto b = c.open("b").file;
  c.open("c");
  EXPECT_NE(c.open("a").file, a);  // the oldest went to make room
  auto tiny = cache(100, 50);      // a file larger than the whole budget is served, not kept
  auto x = tiny.open("a").file;
  ASSERT_TRUE(x);
  EXPECT_EQ(x->content.size(), 100u);
  EXPECT_NE(tiny.open("a").file, x);
}

TEST_F(FileCacheTest, LooksAgainAfterValidity) {
  FileCache c(root_, {.validity = 0ms});
  auto a = c.open("a").file;
  std::ofstream(dir_ / "a") << "changed";
  auto again = c.open("a").file;
  ASSERT_TRUE(again);
  EXPECT_EQ(again->content, "changed");
}

}  // namespace foobar::web
