// message.hpp helpers: iequals, header lookup, list tokens, method helpers, clear().
#include <gtest/gtest.h>

#include "http/message.hpp"

namespace foobar::http {
namespace {

TEST(Message, Iequals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hos"));
  EXPECT_FALSE(iequals("Host", "Hosx"));
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89")) << "ASCII only";
  EXPECT_FALSE(iequals("[", "{")) << "not a blind | 0x20";
}

TEST(Message, HeaderLookup) {
  Headers h;
  h.fields = {{"Host", "a"}, {"Accept", "x"}, {"accept", "y"}, {"Connection", "Upgrade, Keep-Alive"},
              {"connection", " close "}};
  EXPECT_EQ(h.get("ACCEPT"), "x");
  EXPECT_EQ(h.get("missing"), "");
  EXPECT_TRUE(h.has("host"));
  EXPECT_FALSE(h.has("hos"));
  EXPECT_TRUE(h.has_token("Connection", "keep-alive"));
  EXPECT_TRUE(h.has_token("connection", "upgrade"));
  EXPECT_TRUE(h.has_token("Connection", "close")) << "a later field line counts too";
  EXPECT_FALSE(h.has_token("Connection", "keep"));
  EXPECT_FALSE(h.has_token("Accept", "z"));
}

TEST(Message, MethodHelpers) {
  EXPECT_EQ(method_name(Method::Get), "GET");
  EXPECT_EQ(method_name(Method::Connect), "CONNECT");
  EXPECT_EQ(method_name(Method::Patch), "PATCH");
  for (Method m : {Method::Get, Method::Head, Method::Put, Method::Delete, Method::Options, Method::Trace}) {
    EXPECT_TRUE(is_idempotent(m)) << method_name(m);
  }
  for (Method m : {Method::Post, Method::Patch, Method::Connect, Method::Other}) {
    EXPECT_FALSE(is_idempotent(m)) << method_name(m);
  }
}

TEST(Message, ClearKeepsCapacity) {
  Request r;
  r.headers.fields.resize(20);
  r.keep_alive = false;
  r.content_length = 9;
  r.body = BodyKind::Chunked;
  const auto cap = r.headers.fields.capacity();
  r.clear();
  EXPECT_TRUE(r.headers.fields.empty());
  EXPECT_EQ(r.headers.fields.capacity(), cap);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.content_length, 0u);
  EXPECT_EQ(r.body, BodyKind::None);
  Response s;
  s.status = 200;
  s.keep_alive = false;
  s.clear();
  EXPECT_EQ(s.status, 0);
  EXPECT_TRUE(s.keep_alive);
}

}  // namespace
}  // namespace foobar::http
