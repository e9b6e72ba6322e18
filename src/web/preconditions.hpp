#pragma once
// Conditional requests (RFC 9110 13) and byte ranges (RFC 9110 14) for a static file.
#include <cstdint>
#include <ctime>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace foobar::web {

// Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since
// in RFC 9110 13.2.2 order. Returns 0 to proceed, 304 or 412.
int evaluate_preconditions(const http::Request& req, std::string_view etag, std::time_t mtime);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

struct RangeRequest {
  enum class Kind { Full, Partial, Unsatisfiable };
  Kind kind = Kind::Full;  // Full: ignore Range (absent, malformed, or If-Range failed)
  std::vector<ByteRange> ranges;
};

// Interprets Range (and If-Range) against a representation of size bytes.
// More than max_ranges ranges are served in full, as nginx's max_ranges does.
RangeRequest evaluate_range(const http::Request& req, std::uint64_t size, std::string_view etag,
                            std::time_t mtime, std::size_t max_ranges = 16);

}  // namespace foobar::web
