#include "app/site/cookie.hpp"

#include <gtest/gtest.h>

namespace foobar::app::site {

TEST(Cookie, FindsValue) {
  EXPECT_EQ(cookie_value("a=1; foobar_gtid=0-1-5; b=2", "foobar_gtid"), "0-1-5");
  EXPECT_EQ(cookie_value("foobar_gtid=\"0-1-5\"", "foobar_gtid"), "0-1-5");
  EXPECT_EQ(cookie_value("a=1;b=2", "b"), "2");
  EXPECT_FALSE(cookie_value("xfoobar_gtid=1", "foobar_gtid"));
  EXPECT_FALSE(cookie_value("", "foobar_gtid"));
}

TEST(Cookie, GtidFromHeaders) {
  http::Headers h;
  h.fields.push_back({"Host", "x"});
  EXPECT_FALSE(gtid_from_cookies(h));
  h.fields.push_back({"COOKIE", "theme=dark; foobar_gtid=0-1-42"});
  auto g = gtid_from_cookies(h);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->seq, 42u);
  http::Headers evil;
  evil.fields.push_back({"Cookie", "foobar_gtid=0-1-1'); DROP TABLE posts;--"});
  EXPECT_FALSE(gtid_from_cookies(evil));
}

TEST(Cookie, SetCookie) {
  auto v = gtid_set_cookie({0, 1, 7});
  EXPECT_TRUE(v.starts_with("foobar_gtid=0-1-7; "));
  EXPECT_NE(v.find("Path=/"), std::string::npos);
  EXPECT_NE(v.find("HttpOnly"), std::string::npos);
  EXPECT_NE(v.find("Max-Age="), std::string::npos);
}

}  // namespace foobar::app::site
