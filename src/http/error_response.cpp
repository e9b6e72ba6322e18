#include "http/error_response.hpp"

#include <string>

#include "core/json_text.hpp"

namespace foobar::http {

asio::awaitable<bool> send_error(Exchange& ex, int status, std::string_view message, ErrorReply how) {
  if (ex.head_sent()) {  // too late for a status: the only honest signal left is closing
    ex.close_after();
    co_return false;
  }
  if (message.empty()) message = reason_phrase(status);
  std::string body;
  if (how.json) {
    body = "{\"error\":";
    core::append_json_string(body, message);
    body += "}";
  } else {
    body = message;
    body += '\n';
  }
  if (how.close) ex.close_after();
  auto& h = ex.begin(status);
  h.add_trusted("Content-Type", how.json ? "application/json" : "text/plain; charset=utf-8");
  h.add_trusted("Cache-Control", "no-store");
  if (status == 503 || status == 429) h.add("Retry-After", how.retry_after);
  for (const auto& f : how.extra) h.add(f.name, f.value);
  h.add("Content-Length", body.size());
  bool ok = co_await ex.send(body);
  co_return ok;
}

}  // namespace foobar::http
