#pragma once
// Input rules of the message-board API. Pure functions: each returns the
// parsed value or a client error (HTTP status + message for {"error": ...}).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace foobar::app::site {

using core::utf8_length;
using core::utf8_sequence;

inline constexpr std::size_t kMaxAuthorChars = 64;
inline constexpr std::size_t kMaxBodyChars = 4000;
inline constexpr std::size_t kMaxPostBytes = 64 * 1024;  // request body (JSON) limit -> 413
inline constexpr unsigned kDefaultLimit = 20;
inline constexpr unsigned kMaxLimit = 100;

struct ClientError {
  int status = 400;
  std::string message;
};


struct NewPost {
  std::string author;
  std::string body;
};

// Validates a POST /api/posts body: a JSON object with string "author"
// (1-64 characters, not blank, no control characters) and string "body"
// (1-4000 characters, not blank, no control characters but tab/newline/CR).
// Other members are ignored.
bool parse_new_post(std::string_view json, NewPost& out, ClientError& err);

struct ListQuery {
  unsigned limit = kDefaultLimit;
  std::optional<std::uint64_t> before;  // only posts with id < before
};

// Parses "limit=N&before=ID" (either optional, any order, other keys ignored).
// limit: 1..100 (larger values are capped at 100); before: a positive id.
bool parse_list_query(std::string_view query, ListQuery& out, ClientError& err);

// A post id from a path segment: decimal 1..2^63-1 without sign or leading zeros.
std::optional<std::uint64_t> parse_post_id(std::string_view segment) noexcept;

}  // namespace foobar::app::site
