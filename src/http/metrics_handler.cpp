#include "http/metrics_handler.hpp"

#include <fmt/format.h>

#include "http/error_response.hpp"
#include "http/server.hpp"

namespace foobar::http {

std::string requests_metric(std::string_view role, std::uint64_t requests) {
  return fmt::format(
      "# HELP foobar_http_requests_total Requests answered by this role's server.\n"
      "# TYPE foobar_http_requests_total counter\n"
      "foobar_http_requests_total{{role=\"{}\"}} {}\n",
      role, requests);
}

std::string server_metrics(std::string_view role, const Server& server) {
  return requests_metric(role, server.requests()) +
         fmt::format(
             "# HELP foobar_tls_handshake_failures_total TLS handshakes that failed: not TLS, refused, or too slow.\n"
             "# TYPE foobar_tls_handshake_failures_total counter\n"
             "foobar_tls_handshake_failures_total{{role=\"{}\"}} {}\n",
             role, server.failed_handshakes());
}

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
