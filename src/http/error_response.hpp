#pragma once
// The one way to answer with a small error (or status) response: every role's
// 4xx/5xx goes through here, so they all look alike and 503 always says when to retry.
#include <span>
#include <string_view>

#include "http/exchange.hpp"

namespace foobar::http {

struct ErrorReply {
  bool json = false;            // {"error":"message"} instead of "message\n"
  bool close = false;           // the connection closes after the response
  unsigned retry_after = 1;     // seconds, sent with 503 and 429
  std::span<const Header> extra = {};  // e.g. Allow for 405, Location
};

// Sends status with a short body: message (or the reason phrase when empty) as
// text, or as JSON. Returns false when the client could not be written to; when
// the head was already sent, marks the exchange to close and returns false.
asio::awaitable<bool> send_error(Exchange& ex, int status, std::string_view message = {}, ErrorReply how = {});

}  // namespace foobar::http
