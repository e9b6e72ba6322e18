#pragma once
// Strict HTTP/1.1 message-head parsers (RFC 9112), zero-copy over the caller's buffer.
//
// Usage: call parse() each time more bytes arrive, always with the whole
// unconsumed buffer (starting at the message's first byte). The parser remembers
// how far it scanned, so a head arriving a byte at a time costs O(n) overall.
// On Complete, out's views point into the buffer and out.head_size bytes belong
// to the head; the body (if any) follows. Call reset() before the next message.
#include <cstddef>
#include <string_view>

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
  int error_status = 0;          // on Error: 400, 414, 431 or 501 (requests); 502 (responses)
  std::string_view error_reason; // on Error: short human-readable reason
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) noexcept : limits_(limits) {}
  ParseResult parse(std::string_view buf, Request& out);
  void reset() noexcept;

 private:
  ParserLimits limits_;
  std::size_t scanned_ = 0;       // bytes already known not to end the head
  bool line_checked_ = false;     // request line validated (for early 400/414)
};

class ResponseParser {
 public:
  explicit ResponseParser(ParserLimits limits = {}) noexcept : limits_(limits) {}
  // request_method decides body framing (HEAD -> no body); 1xx heads are
  // returned as Complete too, the caller skips them.
  ParseResult parse(std::string_view buf, Method request_method, Response& out);
  void reset() noexcept;

 private:
  ParserLimits limits_;
  std::size_t scanned_ = 0;
};

}  // namespace foobar::http
