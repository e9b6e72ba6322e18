#pragma once
// Parsed HTTP/1.x messages. Every string_view points into the connection's read
// buffer and stays valid until that buffer is consumed past the message head.
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/request_ids.hpp"

namespace foobar::http {

struct Header {
  std::string_view name;   // as received (case preserved); compare with iequals()
  std::string_view value;  // leading/trailing OWS stripped
};

enum class Method : std::uint8_t { Get, Head, Post, Put, Delete, Options, Patch, Trace, Connect, Other };
enum class Version : std::uint8_t { Http10, Http11 };

// How the body that follows a head is delimited.
enum class BodyKind : std::uint8_t {
  None,           // no body
  ContentLength,  // exactly content_length bytes
  Chunked,        // chunked transfer coding (decode with ChunkedDecoder)
  UntilClose,     // responses only: read until the server closes
};

// Case-insensitive ASCII comparison of n bytes.
bool iequals_n(const char* a, const char* b, std::size_t n) noexcept;
// Case-insensitive ASCII comparison, for header names and tokens. Inline: most
// calls (header lookups) are decided by the sizes alone.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && iequals_n(a.data(), b.data(), a.size());
}

// Headers in arrival order. The vector is reused across requests on a
// connection (clear() keeps capacity), so parsing allocates nothing in steady state.
struct Headers {
  std::vector<Header> fields;

  // First value of the named header, or empty when absent.
  std::string_view get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept;
  // Whether a comma-separated header (e.g. Connection) lists token, case-insensitively.
  bool has_token(std::string_view name, std::string_view token) const noexcept;
};

struct Request {
  Method method = Method::Get;
  std::string_view method_text;  // e.g. "GET"
  std::string_view target;       // raw request-target, e.g. "/a/b?x=1"
  std::string_view path;         // target up to '?' (still percent-encoded); for absolute-form
                                 // the URI's path ("/" if empty); "*" for OPTIONS *; empty for CONNECT
  std::string_view query;        // after '?', without it; empty if none
  Version version = Version::Http11;
  Headers headers;

  // Derived by the parser from the headers:
  std::string_view host;             // Host header (required on HTTP/1.1), or the
                                     // authority of an absolute-form target (RFC 9112 3.2.2)
  BodyKind body = BodyKind::None;    // None, ContentLength or Chunked
  std::uint64_t content_length = 0;  // when body == ContentLength
  bool keep_alive = true;            // per version + Connection header
  bool expect_continue = false;      // "Expect: 100-continue"
  std::size_t head_size = 0;         // bytes of request line + headers + final CRLF
  RequestIds ids;                    // X-Request-ID and traceparent, assigned by the server

  void clear() noexcept;
};

struct Response {
  Version version = Version::Http11;
  int status = 0;
  std::string_view reason;
  Headers headers;

  BodyKind body = BodyKind::None;  // decided with the request method: HEAD/204/304/1xx -> None
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  std::size_t head_size = 0;

  void clear() noexcept;
};

std::string_view method_name(Method m) noexcept;
// Idempotent per RFC 9110 9.2.2: safe to retry on another server.
bool is_idempotent(Method m) noexcept;

}  // namespace foobar::http
