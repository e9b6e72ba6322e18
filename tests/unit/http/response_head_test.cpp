// ResponseHead: exact wire bytes, reason phrases, number formatting, buffer reuse.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "http/response_head.hpp"

namespace foobar::http {
namespace {

TEST(ResponseHead, ExactBytes) {
  ResponseHead h;
  h.start(200);
  h.add("Content-Type", "text/html; charset=utf-8");
  h.add("Content-Length", std::uint64_t{4096});
  h.finish();
  EXPECT_EQ(h.data(),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Length: 4096\r\n"
            "\r\n");
  EXPECT_EQ(h.status(), 200);
}

TEST(ResponseHead, CustomReasonAndNoHeaders) {
  ResponseHead h;
  h.start(404, "Nope");
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 404 Nope\r\n\r\n");
}

TEST(ResponseHead, NumbersWithoutAllocationOrPadding) {
  ResponseHead h;
  h.start(206);
  h.add("A", std::uint64_t{0});
  h.add("B", std::uint64_t{18446744073709551615u});
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 206 Partial Content\r\nA: 0\r\nB: 18446744073709551615\r\n\r\n");
}

TEST(ResponseHead, StartReusesTheBuffer) {
  ResponseHead h;
  h.start(500);
  h.add("X-Long", std::string(300, 'x'));
  h.finish();
  const char* storage = h.data().data();
  h.start(304);
  h.add("ETag", "\"abc\"");
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\n\r\n");
  EXPECT_EQ(h.data().data(), storage);
  EXPECT_EQ(h.status(), 304);
}

TEST(ResponseHead, LineBreaksInValuesCannotSplitTheResponse) {
  ResponseHead h;
  h.start(302);
  h.add("Location", "/a\r\nSet-Cookie: evil=1");
  h.add(std::string_view("X\nY", 3), std::string_view("a\0b", 3));
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 302 Found\r\nLocation: /a  Set-Cookie: evil=1\r\nX Y: a b\r\n\r\n");
}

TEST(ResponseHead, UnknownAndInvalidStatuses) {
  ResponseHead h;
  h.start(599);
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 599 \r\n\r\n");
  h.start(42);
  h.finish();
  EXPECT_EQ(h.data(), "HTTP/1.1 500 Internal Server Error\r\n\r\n");
  EXPECT_EQ(h.status(), 500);
}

TEST(ReasonPhrase, CommonStatuses) {
  const std::pair<int, const char*> expected[] = {
      {100, "Continue"},          {101, "Switching Protocols"},
      {200, "OK"},                {201, "Created"},
      {204, "No Content"},        {206, "Partial Content"},
      {301, "Moved Permanently"}, {302, "Found"},
      {303, "See Other"},         {304, "Not Modified"},
      {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
      {400, "Bad Request"},       {401, "Unauthorized"},
      {403, "Forbidden"},         {404, "Not Found"},
      {405, "Method Not Allowed"}, {408, "Request Timeout"},
      {411, "Length Required"},   {412, "Precondition Failed"},
      {413, "Content Too Large"}, {414, "URI Too Long"},
      {416, "Range Not Satisfiable"}, {417, "Expectation Failed"},
      {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"}, {501, "Not Implemented"},
      {502, "Bad Gateway"},       {503, "Service Unavailable"},
      {504, "Gateway Timeout"},   {505, "HTTP Version Not Supported"},
  };
  for (const auto& [status, reason] : expected) EXPECT_EQ(reason_phrase(status), reason) << status;
  EXPECT_EQ(reason_phrase(299), "");
}

}  // namespace
}  // namespace foobar::http
