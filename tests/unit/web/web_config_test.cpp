#include "web/web_config.hpp"

#include <gtest/gtest.h>

namespace foobar::web {

TEST(WebConfig, OpenFileCacheKeys) {
  auto f = core::ConfigFile::parse(R"([web]
root = "site/public"
open_file_cache_valid_ms = 250
open_file_cache_max = 50
open_file_cache_max_memory = 1048576
max_cached_file_bytes = 4096
)", "web.toml");
  WebConfig cfg;
  read_web_config(f, cfg);
  const auto& c = cfg.files.open_file_cache;
  EXPECT_EQ(c.validity.count(), 250);
  EXPECT_EQ(c.max_entries, 50u);
  EXPECT_EQ(c.max_memory, 1048576u);
  EXPECT_EQ(c.max_file_bytes, 4096u);
  auto zero = core::ConfigFile::parse("[web]\nopen_file_cache_max = 0\n", "web.toml");
  EXPECT_THROW(read_web_config(zero, cfg), core::ConfigError);  // at least one entry
}

}  // namespace foobar::web
