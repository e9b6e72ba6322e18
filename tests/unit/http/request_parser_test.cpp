// RequestParser: valid requests, every RFC 9112 rejection rule with its exact
// status, split-at-every-byte equivalence, limits and pipelining.
#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"
#include "http/chunked.hpp"
#include "http/parser.hpp"

namespace foobar::http {
namespace {

using test::parse_request;
using test::parse_request_bytewise;
using test::parse_request_split;
using test::RequestSnap;

const std::string kBrowserGet =
    "GET /static/app.js?v=3&x=%20y HTTP/1.1\r\n"
    "Host: www.foobar.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.foobar.com/\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=abc123; theme=dark\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Cache-Control: max-age=0\r\n"
    "\r\n";

// Every valid request used by the split tests, with a body where it has one.
const std::vector<std::string>& valid_requests() {
  static const std::vector<std::string> v = {
      kBrowserGet,
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "HEAD /index.html HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n",
      "POST /api/items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n",
      "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
      "5;name=value\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nX-Checksum: 1234\r\n\r\n",
      "GET /old HTTP/1.0\r\n\r\n",
      "GET /old HTTP/1.0\r\nConnection: keep-alive\r\nHost: b\r\n\r\n",
      "GET http://www.foobar.com:8080/a/b?c=d HTTP/1.1\r\nHost: ignored.example\r\n\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
      "CONNECT db.example:443 HTTP/1.1\r\nHost: db.example:443\r\n\r\n",
      "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: a\r\n\r\n",
      "DELETE /x?y HTTP/1.1\r\nHost: [::1]:8080\r\nX-Empty:\r\nX-Spaces:   a  b \t \r\nX-Obs: caf\xc3\xa9\r\nX-Tab: a\tb\r\n\r\n",
      "PROPFIND /dav/ HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  };
  return v;
}

RequestSnap complete(const std::string& raw) {
  RequestSnap s = parse_request(raw);
  EXPECT_EQ(s.status, ParseStatus::Complete) << raw << " -> " << s;
  return s;
}

// The status of a rejected request, checked to be the same whether the bytes
// arrive at once or one by one.
int reject(const std::string& raw, ParserLimits limits = {}) {
  const RequestSnap whole = parse_request(raw, limits);
  const RequestSnap bytewise = parse_request_bytewise(raw, limits);
  EXPECT_EQ(whole.status, ParseStatus::Error) << testing::PrintToString(raw);
  EXPECT_EQ(whole, bytewise) << testing::PrintToString(raw);
  return whole.error_status;
}

std::string with_host(const std::string& request_line, const std::string& fields = "") {
  return request_line + "\r\nHost: a\r\n" + fields + "\r\n";
}

// ---------------------------------------------------------------- valid

TEST(RequestParser, BrowserGet) {
  const RequestSnap s = complete(kBrowserGet);
  EXPECT_EQ(s.method, Method::Get);
  EXPECT_EQ(s.method_text, "GET");
  EXPECT_EQ(s.target, "/static/app.js?v=3&x=%20y");
  EXPECT_EQ(s.path, "/static/app.js");
  EXPECT_EQ(s.query, "v=3&x=%20y");
  EXPECT_EQ(s.version, Version::Http11);
  EXPECT_EQ(s.host, "www.foobar.com");
  ASSERT_EQ(s.headers.size(), 10u);
  EXPECT_EQ(s.headers[0], (std::pair<std::string, std::string>{"Host", "www.foobar.com"}));
  EXPECT_EQ(s.headers[4].second, "gzip, deflate, br");
  EXPECT_EQ(s.body, BodyKind::None);
  EXPECT_TRUE(s.keep_alive);
  EXPECT_FALSE(s.expect_continue);
  EXPECT_EQ(s.head_size, kBrowserGet.size());
}

TEST(RequestParser, HeadersKeepCaseAndViewsPointIntoTheBuffer) {
  const std::string raw = "GET / HTTP/1.1\r\nhOsT: a\r\nX-Foo: bar\r\n\r\n";
  RequestParser p;
  Request req;
  ASSERT_EQ(p.parse(raw, req).status, ParseStatus::Complete);
  EXPECT_EQ(req.headers.fields[0].name, "hOsT");
  EXPECT_EQ(req.headers.get("x-foo"), "bar");
  EXPECT_EQ(req.headers.fields[1].value.data(), raw.data() + raw.find("bar"));
  EXPECT_EQ(req.target.data(), raw.data() + 4);
}

TEST(RequestParser, Head) {
  const RequestSnap s = complete("HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(s.method, Method::Head);
  EXPECT_EQ(s.path, "/index.html");
  EXPECT_EQ(s.query, "");
}

TEST(RequestParser, PostWithContentLength) {
  const std::string raw = "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  const RequestSnap s = complete(raw);
  EXPECT_EQ(s.method, Method::Post);
  EXPECT_EQ(s.body, BodyKind::ContentLength);
  EXPECT_EQ(s.content_length, 5u);
  EXPECT_EQ(raw.substr(s.head_size), "hello");
}

TEST(RequestParser, ContentLengthZeroAndMaximum) {
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Content-Length: 0\r\n")).body, BodyKind::ContentLength);
  const RequestSnap s = complete(with_host("POST / HTTP/1.1", "Content-Length: 18446744073709551615\r\n"));
  EXPECT_EQ(s.content_length, 18446744073709551615u);
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Content-Length: 007\r\n")).content_length, 7u);
}

TEST(RequestParser, IdenticalContentLengthsCollapse) {
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Content-Length: 5\r\nContent-Length: 5\r\n")).content_length, 5u);
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Content-Length: 5, 5 ,5\r\n")).content_length, 5u);
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Content-Length: 5, 05\r\n")).content_length, 5u);
}

TEST(RequestParser, ChunkedWithExtensionsAndTrailers) {
  const std::string raw =
      "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nX-Checksum: 1234\r\n\r\n";
  const RequestSnap s = complete(raw);
  EXPECT_EQ(s.body, BodyKind::Chunked);
  const test::Decoded d = test::decode_chunked_whole(std::string_view(raw).substr(s.head_size));
  EXPECT_EQ(d.status, ChunkedDecoder::Status::Done);
  EXPECT_EQ(d.data, "hello world");
  EXPECT_EQ(s.head_size + d.consumed, raw.size());
}

TEST(RequestParser, TransferEncodingIsCaseInsensitiveAndMaySpanFields) {
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "Transfer-Encoding: Chunked\r\n")).body, BodyKind::Chunked);
  EXPECT_EQ(complete(with_host("POST / HTTP/1.1", "transfer-encoding: ,chunked,\r\n")).body, BodyKind::Chunked);
}

TEST(RequestParser, Http10) {
  const RequestSnap s = complete("GET /old HTTP/1.0\r\n\r\n");
  EXPECT_EQ(s.version, Version::Http10);
  EXPECT_FALSE(s.keep_alive);
  EXPECT_EQ(s.host, "");
  const RequestSnap k = complete("GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_TRUE(k.keep_alive);
  const RequestSnap h = complete("GET /old HTTP/1.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(h.host, "x");
}

TEST(RequestParser, KeepAliveFromConnection) {
  EXPECT_TRUE(complete(with_host("GET / HTTP/1.1")).keep_alive);
  EXPECT_FALSE(complete(with_host("GET / HTTP/1.1", "Connection: close\r\n")).keep_alive);
  EXPECT_FALSE(complete(with_host("GET / HTTP/1.1", "Connection: Upgrade, CLOSE\r\n")).keep_alive);
  EXPECT_FALSE(complete(with_host("GET / HTTP/1.1", "Connection: keep-alive\r\nConnection: close\r\n")).keep_alive);
  EXPECT_TRUE(complete(with_host("GET / HTTP/1.1", "Connection: closed\r\n")).keep_alive);
  EXPECT_FALSE(complete("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
}

TEST(RequestParser, ExpectContinue) {
  EXPECT_TRUE(complete(with_host("PUT / HTTP/1.1", "Expect: 100-continue\r\nContent-Length: 1\r\n")).expect_continue);
  EXPECT_TRUE(complete(with_host("PUT / HTTP/1.1", "Expect: 100-Continue\r\n")).expect_continue);
  // RFC 9110 10.1.1: ignored in HTTP/1.0.
  EXPECT_FALSE(complete("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expect_continue);
}

TEST(RequestParser, AbsoluteFormTakesHostFromTarget) {
  const RequestSnap s = complete("GET http://www.foobar.com:8080/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_EQ(s.target, "http://www.foobar.com:8080/a/b?c=d");
  EXPECT_EQ(s.host, "www.foobar.com:8080");
  EXPECT_EQ(s.path, "/a/b");
  EXPECT_EQ(s.query, "c=d");
  const RequestSnap bare = complete("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(bare.path, "/");
  EXPECT_EQ(bare.host, "h");
  const RequestSnap q = complete("GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(q.path, "/");
  EXPECT_EQ(q.query, "x=1");
}

TEST(RequestParser, AsteriskFormForOptions) {
  const RequestSnap s = complete("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(s.method, Method::Options);
  EXPECT_EQ(s.target, "*");
  EXPECT_EQ(s.path, "*");
}

TEST(RequestParser, AuthorityFormForConnect) {
  const RequestSnap s = complete("CONNECT db.example:443 HTTP/1.1\r\nHost: db.example:443\r\n\r\n");
  EXPECT_EQ(s.method, Method::Connect);
  EXPECT_EQ(s.target, "db.example:443");
  EXPECT_EQ(s.path, "");
  EXPECT_EQ(complete("CONNECT [::1]:8443 HTTP/1.1\r\nHost: x\r\n\r\n").target, "[::1]:8443");
}

TEST(RequestParser, MethodsAreCaseSensitiveTokens) {
  EXPECT_EQ(complete(with_host("get / HTTP/1.1")).method, Method::Other);
  const RequestSnap s = complete(with_host("M-SEARCH /x HTTP/1.1"));
  EXPECT_EQ(s.method, Method::Other);
  EXPECT_EQ(s.method_text, "M-SEARCH");
  EXPECT_EQ(reject(with_host("M-SEARCH * HTTP/1.1")), 400) << "asterisk-form is for OPTIONS only";
  const std::pair<const char*, Method> known[] = {
      {"GET", Method::Get},         {"HEAD", Method::Head},       {"POST", Method::Post},
      {"PUT", Method::Put},         {"DELETE", Method::Delete},   {"OPTIONS", Method::Options},
      {"PATCH", Method::Patch},     {"TRACE", Method::Trace}};
  for (const auto& [text, m] : known) EXPECT_EQ(complete(with_host(std::string(text) + " / HTTP/1.1")).method, m);
}

TEST(RequestParser, QueryEdgeCases) {
  const RequestSnap s = complete(with_host("GET /p? HTTP/1.1"));
  EXPECT_EQ(s.path, "/p");
  EXPECT_EQ(s.query, "");
  const RequestSnap t = complete(with_host("GET /p?a?b#frag HTTP/1.1"));
  EXPECT_EQ(t.path, "/p");
  EXPECT_EQ(t.query, "a?b#frag");
}

TEST(RequestParser, FieldValuesAreTrimmedAndKeepInnerWhitespace) {
  const RequestSnap s = complete(with_host("GET / HTTP/1.1", "X-A:   a  b \t \r\nX-B:\r\nX-C: \t\r\nX-D:\tx\ty\r\n"));
  ASSERT_EQ(s.headers.size(), 5u);
  EXPECT_EQ(s.headers[1].second, "a  b");
  EXPECT_EQ(s.headers[2].second, "");
  EXPECT_EQ(s.headers[3].second, "");
  EXPECT_EQ(s.headers[4].second, "x\ty");
}

TEST(RequestParser, ObsTextIsAllowedInValues) {
  EXPECT_EQ(complete(with_host("GET / HTTP/1.1", "X-Name: caf\xc3\xa9\xff\r\n")).headers[1].second, "caf\xc3\xa9\xff");
}

TEST(RequestParser, LeadingEmptyLinesAreIgnored) {
  const std::string raw = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const RequestSnap s = complete(raw);
  EXPECT_EQ(s.target, "/");
  EXPECT_EQ(s.head_size, raw.size());
}

TEST(RequestParser, HostValues) {
  EXPECT_EQ(complete("GET / HTTP/1.1\r\nHost: \r\n\r\n").host, "");  // empty Host is allowed
  EXPECT_EQ(complete("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n").host, "[2001:db8::1]:80");
  EXPECT_EQ(complete("GET / HTTP/1.1\r\nHOST: Example.COM\r\n\r\n").host, "Example.COM");
}

// ---------------------------------------------------------------- split equivalence

TEST(RequestParser, EveryValidRequestParsesIdenticallyAtEverySplit) {
  for (const std::string& raw : valid_requests()) {
    const RequestSnap whole = complete(raw);
    EXPECT_EQ(parse_request_bytewise(raw), whole) << raw;
    for (std::size_t k = 0; k <= raw.size(); ++k) {
      ASSERT_EQ(parse_request_split(raw, k), whole) << "split at " << k << " of " << raw;
    }
  }
}

TEST(RequestParser, PrefixesOfTheHeadAreIncomplete) {
  for (const std::string& raw : valid_requests()) {
    const std::size_t head = parse_request(raw).head_size;
    for (std::size_t k = 0; k < head; ++k) {
      ASSERT_EQ(parse_request(raw.substr(0, k)).status, ParseStatus::Incomplete) << k << " of " << raw;
    }
  }
}

TEST(RequestParser, ByteByByteArrivalIsLinear) {
  // A 16 KiB head fed one byte at a time: each call must only look at new bytes.
  std::string raw = "GET / HTTP/1.1\r\nHost: a\r\n";
  while (raw.size() < 16000) raw += "X-Pad: " + std::string(60, 'p') + "\r\n";
  raw += "\r\n";
  RequestParser p(ParserLimits{8192, 32 * 1024, 1000});
  Request req;
  ParseResult r;
  for (std::size_t k = 1; k <= raw.size(); ++k) {
    r = p.parse(std::string_view(raw).substr(0, k), req);
    if (r.status != ParseStatus::Incomplete) break;
  }
  EXPECT_EQ(r.status, ParseStatus::Complete);
  EXPECT_EQ(req.head_size, raw.size());
}

TEST(RequestParser, ParsingAgainAfterCompleteIsStable) {
  RequestParser p;
  Request req;
  const std::string raw = with_host("GET /x HTTP/1.1");
  ASSERT_EQ(p.parse(raw, req).status, ParseStatus::Complete);
  ASSERT_EQ(p.parse(raw, req).status, ParseStatus::Complete);
  EXPECT_EQ(req.path, "/x");
  EXPECT_EQ(req.headers.fields.size(), 1u);
}

// ---------------------------------------------------------------- pipelining

TEST(RequestParser, PipelinedRequests) {
  const std::string buf =
      "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "POST /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
      "HEAD /four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  RequestParser p;
  Request req;
  std::string_view rest = buf;
  std::vector<std::string> paths, bodies;
  while (!rest.empty()) {
    const ParseResult r = p.parse(rest, req);
    ASSERT_EQ(r.status, ParseStatus::Complete) << rest;
    paths.emplace_back(req.path);
    rest.remove_prefix(req.head_size);
    std::string body;
    if (req.body == BodyKind::ContentLength) {
      body = rest.substr(0, req.content_length);
      rest.remove_prefix(req.content_length);
    } else if (req.body == BodyKind::Chunked) {
      ChunkedDecoder dec;
      for (;;) {
        const ChunkedDecoder::Step s = dec.step(rest);
        rest.remove_prefix(s.consumed);
        if (s.status == ChunkedDecoder::Status::Data) {
          body.append(s.data);
          continue;
        }
        ASSERT_EQ(s.status, ChunkedDecoder::Status::Done);
        break;
      }
    }
    bodies.push_back(body);
    p.reset();
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/one", "/two", "/three", "/four"}));
  EXPECT_EQ(bodies, (std::vector<std::string>{"", "abc", "xyz", ""}));
  EXPECT_FALSE(req.keep_alive);
}

TEST(RequestParser, PipelinedRequestDoesNotCompleteThePreviousHeadEarly) {
  // The next request's bytes after the head must not be mistaken for part of it.
  const std::string buf = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n";
  RequestParser p;
  Request req;
  ASSERT_EQ(p.parse(buf, req).status, ParseStatus::Complete);
  EXPECT_EQ(req.path, "/a");
  p.reset();
  EXPECT_EQ(p.parse(std::string_view(buf).substr(req.head_size), req).status, ParseStatus::Incomplete);
}

TEST(RequestParser, HeadersVectorIsReusedWithoutAllocation) {
  RequestParser p;
  Request req;
  ASSERT_EQ(p.parse(kBrowserGet, req).status, ParseStatus::Complete);
  const Header* storage = req.headers.fields.data();
  const std::size_t capacity = req.headers.fields.capacity();
  for (int i = 0; i < 3; ++i) {
    p.reset();
    ASSERT_EQ(p.parse(kBrowserGet, req).status, ParseStatus::Complete);
    EXPECT_EQ(req.headers.fields.data(), storage);
    EXPECT_EQ(req.headers.fields.capacity(), capacity);
  }
}

// ---------------------------------------------------------------- line endings

TEST(RequestParserReject, BareLfAnywhereIs400) {
  EXPECT_EQ(reject("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\n\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n"), 400);
  EXPECT_EQ(reject("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\n\n"), 400) << "rejected without waiting for a CRLF CRLF";
}

TEST(RequestParserReject, BareCrAnywhereIs400) {
  EXPECT_EQ(reject("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"), 400);
}

// ---------------------------------------------------------------- request line

TEST(RequestParserReject, SpacingInTheRequestLine) {
  EXPECT_EQ(reject(with_host("GET  / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET /  HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host(" GET / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1 ")), 400);
  EXPECT_EQ(reject(with_host("GET\t/ HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET /\tHTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET /")), 400);
  EXPECT_EQ(reject(with_host("GET / ")), 400);
  EXPECT_EQ(reject(with_host("GET")), 400);
  EXPECT_EQ(reject(with_host("")), 400);
  EXPECT_EQ(reject(with_host("GET /a b HTTP/1.1")), 400);
}

TEST(RequestParserReject, MethodMustBeAToken) {
  EXPECT_EQ(reject(with_host("GE(T / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET: / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("G\x01T / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("G\xc3\xa9T / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("\"GET\" / HTTP/1.1")), 400);
}

TEST(RequestParserReject, TargetWithoutControlsOrSpaces) {
  EXPECT_EQ(reject(with_host("GET /a\x01 HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host(std::string("GET /a\0b HTTP/1.1", 18))), 400);
  EXPECT_EQ(reject(with_host("GET /a\x7f HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET /caf\xc3\xa9 HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET /a\tb HTTP/1.1")), 400);
}

TEST(RequestParserReject, TargetForms) {
  EXPECT_EQ(reject(with_host("GET * HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("OPTIONS *x HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET relative/path HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET ftp://h/ HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET http:/h/ HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET http:// HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET http:///path HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET http://user@h/ HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET http://h<x>/ HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT / HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT host HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT host: HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT :443 HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT host:44x3 HTTP/1.1")), 400);
  EXPECT_EQ(reject(with_host("CONNECT http://host:443/ HTTP/1.1")), 400);
}

TEST(RequestParserReject, VersionOtherThan10Or11Is505) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.2")), 505);
  EXPECT_EQ(reject(with_host("GET / HTTP/2.0")), 505);
  EXPECT_EQ(reject(with_host("GET / HTTP/0.9")), 505);
  EXPECT_EQ(reject(with_host("GET / HTTP/9.9")), 505);
}

TEST(RequestParserReject, GarbageVersionIs400) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1x")), 400);
  EXPECT_EQ(reject(with_host("GET / http/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/11.1")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.a")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTPS/1.1")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/2")), 400);
}

TEST(RequestParserReject, BadRequestLineIsRejectedBeforeTheHeadEnds) {
  RequestParser p;
  Request req;
  const ParseResult r = p.parse("GET / HTTP/3.0\r\nHost: a\r\n", req);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.error_status, 505);
  RequestParser q;
  EXPECT_EQ(q.parse("G@T / HTTP/1.1\r\n", req).error_status, 400);
}

// ---------------------------------------------------------------- header fields

TEST(RequestParserReject, HeaderNamesAreTokens) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X(a): b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X\x01: b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X\xc3\xa9: b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", ": b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "NoColon\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X-A b: c\r\n")), 400);
}

TEST(RequestParserReject, WhitespaceBeforeColon) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X-Foo : b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X-Foo\t: b\r\n")), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello"), 400);
}

TEST(RequestParserReject, ObsFold) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X-A: a\r\n b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X-A: a\r\n\tb\r\n")), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400) << "whitespace before the first field";
}

TEST(RequestParserReject, ControlCharactersInValues) {
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", std::string("X: a\0b\r\n", 8))), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X: a\x01" "b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X: a\x1f\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X: a\x7f\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X: \x0b\r\n")), 400);
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", "X: 0123456789abcdef\x1b[31m0123456789\r\n")), 400)
      << "a control byte inside the 8-byte fast path";
}

TEST(RequestParserReject, HostRequiredOnHttp11) {
  EXPECT_EQ(reject("GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET http://h/ HTTP/1.1\r\n\r\n"), 400) << "even with an absolute-form target";
}

TEST(RequestParserReject, ExactlyOneHost) {
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
}

TEST(RequestParserReject, InvalidHostValue) {
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"), 400);
  EXPECT_EQ(reject("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"), 400);
}

// ---------------------------------------------------------------- body framing

TEST(RequestParserReject, ContentLengthWithTransferEncoding) {
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: x\r\n")), 400);
}

TEST(RequestParserReject, DifferingContentLengths) {
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 5\r\nContent-Length: 6\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 5, 6\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 5,\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: ,5\r\n")), 400);
}

TEST(RequestParserReject, NonNumericContentLength) {
  for (const char* v : {"", "abc", "-1", "+5", "0x10", "5 5", "5;", "1e3", "5.0", " \t"}) {
    EXPECT_EQ(reject(with_host("POST / HTTP/1.1", std::string("Content-Length: ") + v + "\r\n")), 400) << v;
  }
}

TEST(RequestParserReject, OverflowingContentLength) {
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 18446744073709551616\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Content-Length: 99999999999999999999999\r\n")), 400);
}

TEST(RequestParserReject, TransferEncodingOnHttp10) {
  EXPECT_EQ(reject("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(RequestParserReject, FinalCodingNotChunkedIs400) {
  for (const char* v : {"gzip", "chunked, gzip", "identity", "deflate", "", ",", "chunked;q=1", "chunked x"}) {
    EXPECT_EQ(reject(with_host("POST / HTTP/1.1", std::string("Transfer-Encoding: ") + v + "\r\n")), 400) << v;
  }
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n")), 400);
}

TEST(RequestParserReject, ChunkedTwiceIs400) {
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: chunked, chunked\r\n")), 400);
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")), 400);
}

TEST(RequestParserReject, OtherCodingsAre501) {
  // Only chunked is implemented: a body in any other coding cannot be handed to a handler.
  for (const char* v : {"gzip, chunked", "deflate, chunked", "compress, chunked", "identity, chunked",
                        "x-custom, chunked"}) {
    EXPECT_EQ(reject(with_host("POST / HTTP/1.1", std::string("Transfer-Encoding: ") + v + "\r\n")), 501) << v;
  }
  EXPECT_EQ(reject(with_host("POST / HTTP/1.1", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")), 501);
}

TEST(RequestParserReject, UnsupportedExpectationIs417) {
  EXPECT_EQ(reject(with_host("PUT / HTTP/1.1", "Expect: something\r\n")), 417);
  EXPECT_EQ(reject(with_host("PUT / HTTP/1.1", "Expect: 100-continue, x\r\n")), 417);
  EXPECT_EQ(reject(with_host("PUT / HTTP/1.1", "Expect: 100-continue;a=b\r\n")), 417);
  EXPECT_EQ(reject(with_host("PUT / HTTP/1.1", "Expect: 200-ok\r\n")), 417);
}

// ---------------------------------------------------------------- limits

TEST(RequestParserLimits, RequestLineAtTheLimitIsAccepted) {
  const ParserLimits limits{64, 1024, 10};
  // Request line including CRLF exactly 64 bytes.
  const std::string line = "GET /" + std::string(64 - 16, 'a') + " HTTP/1.1";
  ASSERT_EQ(line.size() + 2, 64u);
  EXPECT_EQ(parse_request(with_host(line), limits).status, ParseStatus::Complete);
  EXPECT_EQ(reject(with_host("GET /" + std::string(64 - 15, 'a') + " HTTP/1.1"), limits), 414);
}

TEST(RequestParserLimits, LongRequestLineIs414AsSoonAsTheLimitArrives) {
  RequestParser p;  // 8 KiB
  Request req;
  std::string partial = "GET /" + std::string(8192 - 6, 'a');
  ASSERT_EQ(partial.size(), 8191u);
  EXPECT_EQ(p.parse(partial, req).status, ParseStatus::Incomplete);
  partial += 'a';
  const ParseResult r = p.parse(partial, req);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.error_status, 414);
}

TEST(RequestParserLimits, LongRequestLineEndingInABareLfIs414EitherWay) {
  // Found by fuzz_request_parser: the line is over the limit before its bad LF arrives.
  const ParserLimits limits{64, 256, 8};
  EXPECT_EQ(reject("GET /" + std::string(70, 'a') + "\nHost: a\r\n\r\n", limits), 414);
  EXPECT_EQ(reject("GET /" + std::string(58, 'a') + "\nHost: a\r\n\r\n", limits), 400);
}

TEST(RequestParserLimits, HeadAtTheLimitIsAccepted) {
  const ParserLimits limits{1024, 128, 100};
  const std::string base = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
  const std::string raw = base + std::string(128 - base.size() - 4, 'v') + "\r\n\r\n";
  ASSERT_EQ(raw.size(), 128u);
  EXPECT_EQ(parse_request(raw, limits).status, ParseStatus::Complete);
  EXPECT_EQ(reject(base + std::string(128 - base.size() - 3, 'v') + "\r\n\r\n", limits), 431);
}

TEST(RequestParserLimits, LargeHeadIs431AsSoonAsTheLimitArrives) {
  RequestParser p;  // 16 KiB
  Request req;
  std::string partial = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ";
  partial += std::string(16 * 1024 - 1 - partial.size(), 'b');
  EXPECT_EQ(p.parse(partial, req).status, ParseStatus::Incomplete);
  partial += 'b';
  const ParseResult r = p.parse(partial, req);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.error_status, 431);
}

TEST(RequestParserLimits, HugeBufferIsRejectedWithoutScanningItAll) {
  std::string raw = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(1 << 20, 'x');
  EXPECT_EQ(parse_request(raw).error_status, 431);
}

TEST(RequestParserLimits, TooManyFieldsIs431) {
  const ParserLimits limits{8192, 16384, 5};
  std::string fields;
  for (int i = 0; i < 4; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse_request(with_host("GET / HTTP/1.1", fields), limits).status, ParseStatus::Complete);  // 5 with Host
  fields += "X-5: v\r\n";
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", fields), limits), 431);
}

TEST(RequestParserLimits, DefaultMaxHeaderCountIs100) {
  std::string fields;
  for (int i = 0; i < 99; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse_request(with_host("GET / HTTP/1.1", fields)).status, ParseStatus::Complete);
  fields += "X-last: v\r\n";
  EXPECT_EQ(reject(with_host("GET / HTTP/1.1", fields)), 431);
}

TEST(RequestParserReject, ErrorsCarryAReason) {
  RequestParser p;
  Request req;
  const ParseResult r = p.parse("GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n", req);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_FALSE(r.error_reason.empty());
}

}  // namespace
}  // namespace foobar::http
