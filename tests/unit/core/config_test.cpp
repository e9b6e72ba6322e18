#include "core/config.hpp"

#include <gtest/gtest.h>

using foobar::core::ConfigError;
using foobar::core::ConfigFile;

namespace {
std::string error_of(const std::string& text, auto&& use) {
  try {
    use(ConfigFile::parse(text, "test.toml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, ReadsTypedValues) {
  auto f = ConfigFile::parse("[web]\nroot = \"site\"\nthreads = 4\nlog = true\nlist = [\"a\", \"b\"]\n", "t.toml");
  auto web = f.root().table("web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->string("root"), "site");
  EXPECT_EQ(web->integer("threads", 0, 8), 4);
  EXPECT_EQ(web->boolean("log"), true);
  EXPECT_EQ(web->strings("list")->size(), 2u);
  EXPECT_FALSE(web->string("absent"));
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  auto msg = error_of("[web]\nroot = \n", [](const ConfigFile&) {});
  EXPECT_NE(msg.find("test.toml:2"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesLineAndKey) {
  auto msg = error_of("[web]\n\nthreads = \"four\"\n",
                      [](const ConfigFile& f) { f.root().table("web")->integer("threads", 0, 8); });
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("web.threads"), std::string::npos) << msg;
}

TEST(Config, OutOfRangeAndUnknownKeys) {
  auto msg = error_of("[web]\nthreads = 99\n",
                      [](const ConfigFile& f) { f.root().table("web")->integer("threads", 0, 8); });
  EXPECT_NE(msg.find("between 0 and 8"), std::string::npos) << msg;
  msg = error_of("[web]\nroot = \"x\"\nrooot = \"y\"\n",
                 [](const ConfigFile& f) { f.root().table("web")->allow_only({"root"}); });
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
}

TEST(Config, ArrayOfTables) {
  auto f = ConfigFile::parse("[[rule]]\nvalue = \"a\"\n[[rule]]\nvalue = \"b\"\n", "t.toml");
  auto rules = f.root().tables("rule");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].string("value"), "b");
  EXPECT_EQ(rules[1].path(), "rule[1]");
}
