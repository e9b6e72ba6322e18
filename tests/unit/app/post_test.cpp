#include "app/site/post.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/site/board_handler.hpp"

namespace foobar::app::site {

TEST(Post, FromRowAndJson) {
  db::Row row{std::string("12"), std::string("al\"ice"), std::string("line1\nline2 </script>"),
              std::string("2025-01-31 12:34:56.789")};
  Post p;
  ASSERT_TRUE(post_from_row(std::move(row), p));
  EXPECT_EQ(p.id, 12u);
  EXPECT_EQ(p.created_at, "2025-01-31T12:34:56.789Z");
  auto j = nlohmann::json::parse(post_json(p));
  EXPECT_EQ(j["id"], 12);
  EXPECT_EQ(j["author"], "al\"ice");
  EXPECT_EQ(j["body"], "line1\nline2 </script>");
  auto list = nlohmann::json::parse(posts_json({p, p}));
  EXPECT_EQ(list["posts"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(posts_json({}))["posts"].size(), 0u);
}

TEST(Post, RejectsMalformedRows) {
  Post p;
  EXPECT_FALSE(post_from_row({std::string("x"), std::string("a"), std::string("b"), std::string("c")}, p));
  EXPECT_FALSE(post_from_row({std::nullopt, std::string("a"), std::string("b"), std::string("c")}, p));
  EXPECT_FALSE(post_from_row({std::string("1")}, p));
}

TEST(Post, NowIsDatetime3) {
  auto s = now_datetime();
  ASSERT_EQ(s.size(), 23u) << s;
  EXPECT_EQ(s[10], ' ');
  EXPECT_EQ(s[19], '.');
}

TEST(StatusFor, DatabaseErrorsNeverLeak) {
  db::Error down;
  down.connection = true;
  EXPECT_EQ(status_for(down), 503);
  db::Error busy;
  busy.busy = true;
  EXPECT_EQ(status_for(busy), 503);
  db::Error ro;
  ro.code = 1290;
  EXPECT_EQ(status_for(ro), 503);
  db::Error syntax;
  syntax.code = 1064;
  EXPECT_EQ(status_for(syntax), 500);
}

}  // namespace foobar::app::site
