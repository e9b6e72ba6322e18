#pragma once
// Helpers for the codec tests: owned snapshots of parsed messages (so results
// from different buffers compare equal), and split-feeding drivers.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked.hpp"
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

inline RequestSnap parse_request(std::string_view raw, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  const ParseResult r = p.parse(raw, req);
  return snap(r, req);
}

// Feeds growing prefixes of raw to one parser, each in a freshly allocated copy
// (the buffer moves between calls, as a connection's read buffer may), and
// returns the first non-Incomplete result, or Incomplete.
inline RequestSnap parse_request_bytewise(std::string_view raw, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  for (std::size_t k = 1; k <= raw.size(); ++k) {
    const std::string copy(raw.substr(0, k));
    const ParseResult r = p.parse(copy, req);
    if (r.status != ParseStatus::Incomplete) return snap(r, req);
  }
  return RequestSnap{};
}

// Two calls: the first k bytes, then everything.
inline RequestSnap parse_request_split(std::string_view raw, std::size_t k, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  const std::string first(raw.substr(0, k));
  const ParseResult r1 = p.parse(first, req);
  if (r1.status != ParseStatus::Incomplete) return snap(r1, req);
  const std::string all(raw);
  return snap(p.parse(all, req), req);
}

inline ResponseSnap parse_response(std::string_view raw, Method m = Method::Get) {
  ResponseParser p;
  Response res;
  const ParseResult r = p.parse(raw, m, res);
  return snap(r, res);
}

inline ResponseSnap parse_response_bytewise(std::string_view raw, Method m = Method::Get) {
  ResponseParser p;
  Response res;
  for (std::size_t k = 1; k <= raw.size(); ++k) {
    const std::string copy(raw.substr(0, k));
    const ParseResult r = p.parse(copy, m, res);
    if (r.status != ParseStatus::Incomplete) return snap(r, res);
  }
  return ResponseSnap{};
}

struct Decoded {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::NeedMore;
  std::string data;
  std::size_t consumed = 0;  // total input bytes consumed (up to Done / Error)
  bool operator==(const Decoded&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  return os << "{status=" << static_cast<int>(d.status) << " data=" << d.data << " consumed=" << d.consumed << "}";
}

// Decodes raw delivered in pieces whose sizes come from next_piece(remaining).
template <class NextPiece>
Decoded decode_chunked(std::string_view raw, NextPiece next_piece, ChunkedDecoder::Limits limits = {}) {
  ChunkedDecoder dec(limits);
  Decoded out;
  std::size_t delivered = 0;
  std::string pending;  // delivered but not consumed yet
  while (true) {
    std::string_view in = pending;
    ChunkedDecoder::Step s = dec.step(in);
    while (s.status == ChunkedDecoder::Status::Data) {
      out.data.append(s.data);
      out.consumed += s.consumed;
      in.remove_prefix(s.consumed);
      s = dec.step(in);
    }
    out.consumed += s.consumed;
    in.remove_prefix(s.consumed);
    if (s.status != ChunkedDecoder::Status::NeedMore) {
      out.status = s.status;
      return out;
    }
    pending = std::string(in);
    if (delivered == raw.size()) return out;  // NeedMore at the end of the input
    const std::size_t n = next_piece(raw.size() - delivered);
    pending.append(raw.substr(delivered, n));
    delivered += n;
  }
}

inline Decoded decode_chunked_whole(std::string_view raw, ChunkedDecoder::Limits limits = {}) {
  return decode_chunked(raw, [](std::size_t rest) { return rest; }, limits);
}

}  // namespace foobar::http::test
