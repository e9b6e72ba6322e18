#pragma once
// A message-board post, as stored and as sent to clients.
#include <cstdint>
#include <string>

#include "db/result.hpp"

namespace foobar::app::site {

struct Post {
  std::uint64_t id = 0;
  std::string author;
  std::string body;
  std::string created_at;  // ISO 8601 UTC, millisecond precision: "2025-01-31T12:34:56.789Z"
};

// Moves a row of (id, author, body, created_at) into a Post; false if malformed.
bool post_from_row(db::Row&& row, Post& out);
// "2025-01-31 12:34:56.789" (DATETIME(3)) -> "2025-01-31T12:34:56.789Z"; other text unchanged.
std::string iso_utc(std::string datetime);
// The current UTC time as DATETIME(3) text.
std::string now_datetime();

// {"id":..,"author":..,"body":..,"created_at":..}
std::string post_json(const Post& p);
// {"posts":[...]}
std::string posts_json(const std::vector<Post>& posts);

}  // namespace foobar::app::site
