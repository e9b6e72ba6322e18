// ResponseParser: status line, shared field rules, body framing per RFC 9112 6.3, 502s.
#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"
#include "http/parser.hpp"

namespace foobar::http {
namespace {

using test::parse_response;
using test::parse_response_bytewise;
using test::ResponseSnap;

ResponseSnap complete(const std::string& raw, Method m = Method::Get) {
  const ResponseSnap s = parse_response(raw, m);
  EXPECT_EQ(s.status, ParseStatus::Complete) << raw << " -> " << s;
  EXPECT_EQ(parse_response_bytewise(raw, m), s) << raw;
  return s;
}

int reject(const std::string& raw, Method m = Method::Get) {
  const ResponseSnap s = parse_response(raw, m);
  EXPECT_EQ(s.status, ParseStatus::Error) << testing::PrintToString(raw);
  EXPECT_EQ(parse_response_bytewise(raw, m), s) << testing::PrintToString(raw);
  return s.error_status;
}

TEST(ResponseParser, ContentLength) {
  const std::string raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  const ResponseSnap s = complete(raw);
  EXPECT_EQ(s.version, Version::Http11);
  EXPECT_EQ(s.code, 200);
  EXPECT_EQ(s.reason, "OK");
  EXPECT_EQ(s.body, BodyKind::ContentLength);
  EXPECT_EQ(s.content_length, 5u);
  EXPECT_TRUE(s.keep_alive);
  EXPECT_EQ(raw.substr(s.head_size), "hello");
  ASSERT_EQ(s.headers.size(), 2u);
  EXPECT_EQ(s.headers[0].second, "text/plain");
}

TEST(ResponseParser, Chunked) {
  const ResponseSnap s = complete("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(s.body, BodyKind::Chunked);
  EXPECT_TRUE(s.keep_alive);
}

TEST(ResponseParser, NeitherMeansUntilClose) {
  const ResponseSnap s = complete("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n");
  EXPECT_EQ(s.body, BodyKind::UntilClose);
  EXPECT_FALSE(s.keep_alive);
}

TEST(ResponseParser, NoBodyAfterHead) {
  const ResponseSnap s = complete("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", Method::Head);
  EXPECT_EQ(s.body, BodyKind::None);
  EXPECT_EQ(s.content_length, 1234u);
  EXPECT_TRUE(s.keep_alive);
  EXPECT_EQ(complete("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::Head).body, BodyKind::None);
  EXPECT_EQ(complete("HTTP/1.1 200 OK\r\n\r\n", Method::Head).body, BodyKind::None);
}

TEST(ResponseParser, NoBodyFor1xx204304) {
  EXPECT_EQ(complete("HTTP/1.1 100 Continue\r\n\r\n").body, BodyKind::None);
  EXPECT_EQ(complete("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n").body,
            BodyKind::None);
  EXPECT_EQ(complete("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n").body, BodyKind::None);
  EXPECT_EQ(complete("HTTP/1.1 204 No Content\r\n\r\n").body, BodyKind::None);
  const ResponseSnap nm = complete("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n");
  EXPECT_EQ(nm.body, BodyKind::None);
  EXPECT_TRUE(nm.keep_alive);
}

TEST(ResponseParser, NoBodyFor2xxToConnect) {
  EXPECT_EQ(complete("HTTP/1.1 200 Connection Established\r\n\r\n", Method::Connect).body, BodyKind::None);
  EXPECT_EQ(complete("HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\nno", Method::Connect).body,
            BodyKind::ContentLength);
}

TEST(ResponseParser, ReasonPhrase) {
  EXPECT_EQ(complete("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").reason, "Not Found");
  EXPECT_EQ(complete("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").reason, "");
  EXPECT_EQ(complete("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").reason, "") << "missing SP tolerated";
  EXPECT_EQ(complete("HTTP/1.1 200 caf\xc3\xa9\tok\r\nContent-Length: 0\r\n\r\n").reason, "caf\xc3\xa9\tok");
}

TEST(ResponseParser, Http10KeepAlive) {
  const ResponseSnap s = complete("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(s.version, Version::Http10);
  EXPECT_FALSE(s.keep_alive);
  EXPECT_TRUE(complete("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(complete("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
}

TEST(ResponseParser, DuplicateIdenticalContentLengthCollapses) {
  EXPECT_EQ(complete("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n").content_length, 3u);
}

TEST(ResponseParser, HostIsNotRequired) {
  EXPECT_EQ(complete("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").headers.size(), 1u);
}

TEST(ResponseParser, SplitAtEveryByte) {
  const std::string raw =
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\nETag: \"abc\"\r\nContent-Length: 5\r\n\r\n01234";
  const ResponseSnap whole = complete(raw);
  for (std::size_t k = 0; k <= raw.size(); ++k) {
    ResponseParser p;
    Response res;
    const std::string first = raw.substr(0, k);
    ParseResult r = p.parse(first, Method::Get, res);
    if (r.status == ParseStatus::Incomplete) r = p.parse(raw, Method::Get, res);
    ASSERT_EQ(test::snap(r, res), whole) << "split at " << k;
  }
}

TEST(ResponseParser, PipelinedResponses) {
  const std::string buf =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
      "HTTP/1.1 204 No Content\r\n\r\n";
  ResponseParser p;
  Response res;
  std::string_view rest = buf;
  std::vector<int> codes;
  while (!rest.empty()) {
    ASSERT_EQ(p.parse(rest, Method::Post, res).status, ParseStatus::Complete);
    codes.push_back(res.status);
    rest.remove_prefix(res.head_size + (res.body == BodyKind::ContentLength ? res.content_length : 0));
    p.reset();
  }
  EXPECT_EQ(codes, (std::vector<int>{100, 200, 204}));
}

TEST(ResponseParserReject, StatusLine) {
  EXPECT_EQ(reject("HTTP/2 200 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/2.0 200 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.2 200 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("http/1.1 200 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 20 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 2000 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1  200 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 099 Low\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 600 High\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 2x0 OK\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 O\x01K\r\n\r\n"), 502);
  EXPECT_EQ(reject("\r\nHTTP/1.1 200 OK\r\n\r\n"), 502) << "no empty lines before a status line";
  EXPECT_EQ(reject("garbage\r\n\r\n"), 502);
}

TEST(ResponseParserReject, SameFieldRulesAsRequests) {
  EXPECT_EQ(reject("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nX : a\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), 502);
  EXPECT_EQ(reject(std::string("HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n", 26)), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nX(: a\r\n\r\n"), 502);
}

TEST(ResponseParserReject, Framing) {
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 502);
  EXPECT_EQ(reject("HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n"), 502);
}

TEST(ResponseParserReject, Limits) {
  ResponseParser p(ParserLimits{64, 256, 3});
  Response res;
  EXPECT_EQ(p.parse("HTTP/1.1 200 " + std::string(60, 'x'), Method::Get, res).error_status, 502);
  ResponseParser q(ParserLimits{64, 256, 3});
  EXPECT_EQ(q.parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", Method::Get, res).error_status, 502);
  ResponseParser r(ParserLimits{64, 256, 3});
  EXPECT_EQ(r.parse("HTTP/1.1 200 OK\r\nA: " + std::string(300, 'a'), Method::Get, res).error_status, 502);
}

}  // namespace
}  // namespace foobar::http
