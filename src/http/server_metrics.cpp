#include "http/server_metrics.hpp"

#include <string>

namespace foobar::http {

ServerMetrics::ServerMetrics(core::metrics::Registry& r, std::string_view role, std::uint64_t connection_limit,
                             std::function<std::uint64_t()> failed_handshakes)
    : open_(r.workers()) {
  const std::string name(role);
  for (int k = 0; k < 5; ++k)
    responses_[static_cast<std::size_t>(k)] =
        &r.counter("foobar_http_requests_total", "Requests answered by this role's server, by status class.",
                   {{"role", name}, {"code", std::to_string(k + 1) + "xx"}});
  duration_ = &r.histogram("foobar_http_request_duration_seconds",
                           "Time from a request's head to the end of its response.", {{"role", name}});
  active_ = &r.gauge("foobar_connections", "Open client connections: in a request (active) or between requests (idle).",
                     {{"role", name}, {"state", "active"}});
  r.callback("foobar_connections", "", {{"role", name}, {"state", "idle"}},
             [this] { return static_cast<double>(open_.value() - active_->value()); });
  r.callback("foobar_connections_limit", "The most open client connections the server allows (saturation).",
             {{"role", name}}, [connection_limit] { return static_cast<double>(connection_limit); });
  for (int resumed = 0; resumed < 2; ++resumed)
    handshakes_[static_cast<std::size_t>(resumed)] =
        &r.counter("foobar_tls_handshakes_total", "TLS handshakes completed, by whether the session was resumed.",
                   {{"role", name}, {"session", resumed ? "resumed" : "new"}});
  r.callback("foobar_tls_handshake_failures_total", "TLS handshakes that failed: not TLS, refused, or too slow.",
             {{"role", name}}, [f = std::move(failed_handshakes)] { return static_cast<double>(f()); }, true);
}

void ServerMetrics::request_done(unsigned worker, int status, double seconds, std::string_view trace_id) noexcept {
  active_->sub(worker);
  const int k = status / 100 - 1;
  if (k >= 0 && k < 5) responses_[static_cast<std::size_t>(k)]->add(worker);
  duration_->observe(worker, seconds, trace_id);
}

}  // namespace foobar::http
