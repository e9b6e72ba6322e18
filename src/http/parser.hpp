#pragma once
// Strict HTTP/1.1 message-head parsers (RFC 9112), zero-copy over the caller's buffer.
//
// Usage: call parse() each time more bytes arrive, always with the whole
// unconsumed buffer (starting at the message's first byte). The parser remembers
// how far it scanned, so a head arriving a byte at a time costs O(n) overall.
// On Complete, out's views point into the buffer and out.head_size bytes belong
// to the head; the body (if any) follows. Call reset() before the next message.
// Limits: the request line including its CRLF may be max_request_line bytes (414
// as soon as that many arrived without an LF); the whole head, from the first
// byte through the final CRLF, max_header_bytes (431 as soon as exceeded).
// Transfer codings: only chunked is implemented; any other coding (gzip, deflate,
// compress, identity, ...) before the final chunked is 501, since its bytes could
// not be handed to a handler as the body; a final coding other than chunked is 400.
#include <cstddef>
#include <string_view>

#include "http/field_parser.hpp"
#include "http/message.hpp"

namespace foobar::http {

struct ParserLimits {
  std::size_t max_request_line = 8 * 1024;   // longer -> 414
  std::size_t max_header_bytes = 16 * 1024;  // whole head longer -> 431
  std::size_t max_header_count = 100;        // more -> 431
};

enum class ParseStatus { Incomplete, Complete, Error };

struct ParseResult {
  ParseStatus status = ParseStatus::Incomplete;
  int error_status = 0;          // on Error: 400, 414, 417, 431, 501 or 505 (requests); 502 (responses)
  std::string_view error_reason; // on Error: short human-readable reason
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) noexcept : limits_(limits) {}
  ParseResult parse(std::string_view buf, Request& out);
  void reset() noexcept;

 private:
  ParseResult finish(std::string_view buf, Request& out, bool line_parsed);
  ParserLimits limits_;
  detail::HeadScan scan_;  // how far the head was searched; offsets, so the buffer may move
};

class ResponseParser {
 public:
  explicit ResponseParser(ParserLimits limits = {}) noexcept : limits_(limits) {}
  // request_method decides body framing (HEAD -> no body); 1xx heads are
  // returned as Complete too, the caller skips them.
  ParseResult parse(std::string_view buf, Method request_method, Response& out);
  void reset() noexcept;

 private:
  ParseResult finish(std::string_view buf, Method request_method, Response& out);
  ParserLimits limits_;
  detail::HeadScan scan_;
};

}  // namespace foobar::http
