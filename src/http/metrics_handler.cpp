#include "http/metrics_handler.hpp"

#include <fmt/format.h>

#include "http/error_response.hpp"

namespace foobar::http {

asio::awaitable<Outcome> MetricsHandler::handle(Exchange& ex) {
  const auto& req = ex.request();
  if (req.path != "/metrics") {
    co_await send_error(ex, 404);
  } else if (req.method != Method::Get && req.method != Method::Head) {
    const Header allow[] = {{"Allow", "GET, HEAD"}};
    co_await send_error(ex, 405, {}, {.extra = allow});
  } else {
    const std::string body = render_();
    auto& h = ex.begin(200);
    h.add_trusted("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    h.add_trusted("Cache-Control", "no-store");
    co_await ex.send(body);
  }
  co_return Outcome::Handled;
}

}  // namespace foobar::http
