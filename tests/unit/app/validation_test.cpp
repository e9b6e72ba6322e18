#include "app/site/validation.hpp"

#include <gtest/gtest.h>

namespace foobar::app::site {

TEST(Utf8, LengthInCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9"), 1u);          // é
  EXPECT_EQ(utf8_length("\xe3\x81\x82"), 1u);      // あ
  EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);  // 😀
}

TEST(Utf8, RejectsMalformed) {
  for (std::string bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xf8\x88\x80\x80\x80", "a\x80", "\xe3\x81"})
    EXPECT_FALSE(utf8_length(bad)) << testing::PrintToString(bad);
}

NewPost ok(const std::string& json) {
  NewPost p;
  ClientError e;
  EXPECT_TRUE(parse_new_post(json, p, e)) << json << ": " << e.message;
  return p;
}
ClientError bad(const std::string& json) {
  NewPost p;
  ClientError e;
  EXPECT_FALSE(parse_new_post(json, p, e)) << json;
  return e;
}

TEST(NewPost, Accepts) {
  auto p = ok(R"({"author": "alice", "body": "hi\nthere", "extra": 1})");
  EXPECT_EQ(p.author, "alice");
  EXPECT_EQ(p.body, "hi\nthere");
  ok(R"({"author": ")" + std::string(64, 'a') + R"(", "body": ")" + std::string(4000, 'b') + R"("})");
  ok(R"({"author": "\u00e9\u3042", "body": "\ud83d\ude00"})");  // escapes decode to valid UTF-8
}

TEST(NewPost, Rejects) {
  EXPECT_EQ(bad("").status, 400);
  EXPECT_EQ(bad("{").status, 400);
  EXPECT_EQ(bad("null").status, 400);
  EXPECT_EQ(bad(R"(["a"])").status, 400);
  EXPECT_EQ(bad(R"({"author": "a"})").message, "missing \"body\"");
  EXPECT_EQ(bad(R"({"body": "a"})").message, "missing \"author\"");
  EXPECT_EQ(bad(R"({"author": 1, "body": "a"})").status, 400);
  EXPECT_EQ(bad(R"({"author": "", "body": "a"})").status, 400);
  EXPECT_EQ(bad(R"({"author": " \t", "body": "a"})").status, 400);
  EXPECT_EQ(bad(R"({"author": "a", "body": "\n"})").status, 400);
  EXPECT_EQ(bad(R"({"author": ")" + std::string(65, 'a') + R"(", "body": "b"})").status, 400);
  EXPECT_EQ(bad(R"({"author": "a", "body": ")" + std::string(4001, 'b') + R"("})").status, 400);
  EXPECT_EQ(bad(R"({"author": "a\u0000b", "body": "b"})").status, 400);
  EXPECT_EQ(bad(R"({"author": "a\nb", "body": "b"})").status, 400);
  EXPECT_EQ(bad("{\"author\": \"\xff\", \"body\": \"b\"}").status, 400);
  EXPECT_EQ(bad(R"({"author": "\ud800", "body": "b"})").status, 400);  // lone surrogate
  EXPECT_EQ(bad(std::string(kMaxPostBytes + 1, ' ')).status, 413);
}

TEST(ListQuery, DefaultsAndBounds) {
  ListQuery q;
  ClientError e;
  ASSERT_TRUE(parse_list_query("", q, e));
  EXPECT_EQ(q.limit, kDefaultLimit);
  EXPECT_FALSE(q.before);
  ASSERT_TRUE(parse_list_query("limit=5&before=42&x=y", q, e));
  EXPECT_EQ(q.limit, 5u);
  EXPECT_EQ(q.before, 42u);
  ASSERT_TRUE(parse_list_query("limit=1000", q, e));
  EXPECT_EQ(q.limit, kMaxLimit);
  ASSERT_TRUE(parse_list_query("limit=99999999999999999999999", q, e));
  EXPECT_EQ(q.limit, kMaxLimit);
  for (const char* s : {"limit=0", "limit=", "limit=-1", "limit=1e3", "limit=007", "before=0", "before=abc",
                        "before=-5", "before=99999999999999999999"})
    EXPECT_FALSE(parse_list_query(s, q, e)) << s;
}

TEST(PostId, Strict) {
  EXPECT_EQ(parse_post_id("1"), 1u);
  EXPECT_EQ(parse_post_id("9223372036854775807"), 9223372036854775807u);
  for (const char* s : {"", "0", "01", "-1", "+1", "1a", "9223372036854775808", "1/2", " 1"})
    EXPECT_FALSE(parse_post_id(s)) << s;
}

}  // namespace foobar::app::site
