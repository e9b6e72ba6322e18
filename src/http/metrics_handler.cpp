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
    const auto format = core::metrics::negotiate(req.headers.get("accept"));
    const std::string body = registry_.render(format);
    auto& h = ex.begin(200);
    h.add_trusted("Content-Type", core::metrics::content_type(format));
    h.add_trusted("Vary", "Accept");
    h.add_trusted("Cache-Control", "no-store");
    co_await ex.send(body);
  }
  co_return Outcome::Handled;
}

}  // namespace foobar::http
