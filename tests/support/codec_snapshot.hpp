#pragma once
// Owned snapshots of parsed HTTP messages, so results parsed from different
// buffers (or fed in different splits) compare equal. Shared by the codec unit
// tests and the libFuzzer targets (no test framework needed).
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "http/message.hpp"
#include "http/parser.hpp"

namespace foobar::http::test {

struct RequestSnap {
  ParseStatus status = ParseStatus::Incomplete;
  int error_status = 0;
  Method method = Method::Get;
  std::string method_text, target, path, query, host;
  Version version = Version::Http11;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
  std::size_t head_size = 0;
  bool operator==(const RequestSnap&) const = default;
};

inline RequestSnap snap(const ParseResult& r, const Request& q) {
  RequestSnap s;
  s.status = r.status;
  s.error_status = r.error_status;
  if (r.status != ParseStatus::Complete) return s;
  s.method = q.method;
  s.method_text = q.method_text;
  s.target = q.target;
  s.path = q.path;
  s.query = q.query;
  s.host = q.host;
  s.version = q.version;
  for (const Header& h : q.headers.fields) s.headers.emplace_back(h.name, h.value);
  s.body = q.body;
  s.content_length = q.content_length;
  s.keep_alive = q.keep_alive;
  s.expect_continue = q.expect_continue;
  s.head_size = q.head_size;
  return s;
}

inline std::ostream& operator<<(std::ostream& os, const RequestSnap& s) {
  os << "{status=" << static_cast<int>(s.status) << " error=" << s.error_status;
  if (s.status == ParseStatus::Complete) {
    os << " method=" << s.method_text << " target=" << s.target << " path=" << s.path
       << " query=" << s.query << " host=" << s.host << " v=" << static_cast<int>(s.version)
       << " body=" << static_cast<int>(s.body) << " cl=" << s.content_length << " ka=" << s.keep_alive
       << " ec=" << s.expect_continue << " head=" << s.head_size << " headers=[";
    for (const auto& [n, v] : s.headers) os << n << ": " << v << "; ";
    os << "]";
  }
  return os << "}";
}

struct ResponseSnap {
  ParseStatus status = ParseStatus::Incomplete;
  int error_status = 0;
  Version version = Version::Http11;
  int code = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  std::size_t head_size = 0;
  bool operator==(const ResponseSnap&) const = default;
};

inline ResponseSnap snap(const ParseResult& r, const Response& q) {
  ResponseSnap s;
  s.status = r.status;
  s.error_status = r.error_status;
  if (r.status != ParseStatus::Complete) return s;
  s.version = q.version;
  s.code = q.status;
  s.reason = q.reason;
  for (const Header& h : q.headers.fields) s.headers.emplace_back(h.name, h.value);
  s.body = q.body;
  s.content_length = q.content_length;
  s.keep_alive = q.keep_alive;
  s.head_size = q.head_size;
  return s;
}

inline std::ostream& operator<<(std::ostream& os, const ResponseSnap& s) {
  return os << "{status=" << static_cast<int>(s.status) << " error=" << s.error_status << " code=" << s.code
            << " reason=" << s.reason << " body=" << static_cast<int>(s.body) << " cl=" << s.content_length
            << " ka=" << s.keep_alive << " head=" << s.head_size << " headers=" << s.headers.size() << "}";
}

}  // namespace foobar::http::test
