#include "web/url_path.hpp"

#include <gtest/gtest.h>

using foobar::web::resolve_url_path;
using Verdict = foobar::web::UrlPath::Verdict;

TEST(UrlPath, PlainPaths) {
  auto p = resolve_url_path("/a/b.html");
  EXPECT_EQ(p.verdict, Verdict::Ok);
  EXPECT_EQ(p.relative, "a/b.html");
  EXPECT_FALSE(p.trailing_slash);
  auto root = resolve_url_path("/");
  EXPECT_EQ(root.relative, "");
  EXPECT_TRUE(root.trailing_slash);
  EXPECT_TRUE(resolve_url_path("/docs/").trailing_slash);
}

TEST(UrlPath, DecodesPercentEscapes) {
  EXPECT_EQ(resolve_url_path("/hello%20world.txt").relative, "hello world.txt");
  EXPECT_EQ(resolve_url_path("/%41%62c").relative, "Abc");
  EXPECT_EQ(resolve_url_path("/a%2fb").relative, "a/b");  // decoded, then normalized
}

TEST(UrlPath, RemovesDotSegmentsAndDuplicateSlashes) {
  EXPECT_EQ(resolve_url_path("/a/./b/../c").relative, "a/c");
  EXPECT_EQ(resolve_url_path("//a///b").relative, "a/b");
  EXPECT_EQ(resolve_url_path("/a/b/..").relative, "a");
  EXPECT_TRUE(resolve_url_path("/a/b/..").trailing_slash);
}

TEST(UrlPath, NeverClimbsAboveTheRoot) {
  for (const char* attack : {"/../etc/passwd", "/a/../../etc/passwd", "/%2e%2e/etc/passwd",
                             "/%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2fetc/passwd", "/a/%2e%2e/%2e%2e/x"}) {
    EXPECT_EQ(resolve_url_path(attack).verdict, Verdict::BadRequest) << attack;
  }
}

TEST(UrlPath, RejectsNulBackslashAndBadEscapes) {
  for (const char* bad : {"/a%00.html", "/a\\..\\b", "/a%5c..%5cb", "/%zz", "/%4", "/abc%", "relative"}) {
    EXPECT_EQ(resolve_url_path(bad).verdict, Verdict::BadRequest) << bad;
  }
}

TEST(UrlPath, DotfilesAreNotFound) {
  EXPECT_EQ(resolve_url_path("/.env").verdict, Verdict::NotFound);
  EXPECT_EQ(resolve_url_path("/.git/config").verdict, Verdict::NotFound);
  EXPECT_EQ(resolve_url_path("/a/%2ehtaccess").verdict, Verdict::NotFound);
}

TEST(UrlPath, AbsoluteFormSkipsTheAuthority) {
  auto p = resolve_url_path("http://www.foobar.com/a/b.css");
  EXPECT_EQ(p.verdict, Verdict::Ok);
  EXPECT_EQ(p.relative, "a/b.css");
}

TEST(UrlPath, FastPathAgreesWithTheGeneralOne) {
  // Plain paths take a shortcut; the same path with a harmless escape takes the general route.
  for (auto [plain, escaped] : {std::pair{"/a/b.html", "/a/%62.html"}, {"/docs/", "/%64ocs/"}, {"/", "/%2F"},
                                {"/x-y_z~1/", "/x-y_z~%31/"}}) {
    auto a = resolve_url_path(plain), b = resolve_url_path(escaped);
    EXPECT_EQ(a.relative, b.relative) << plain;
    EXPECT_EQ(a.trailing_slash, b.trailing_slash) << plain;
    EXPECT_EQ(a.verdict, b.verdict) << plain;
  }
}
