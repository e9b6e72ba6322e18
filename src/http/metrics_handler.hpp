#pragma once
// GET /metrics on a role's admin listener (Prometheus text format 0.0.4); 404
// for anything else. Every role exports the requests its server answered, which
// `foobar status` reads instead of counting access-log lines.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/exchange.hpp"

namespace foobar::http {

class Server;

// foobar_http_requests_total{role="ROLE"} N, with its HELP and TYPE lines.
std::string requests_metric(std::string_view role, std::uint64_t requests);
// What every role's server exports: requests_metric, and
// foobar_tls_handshake_failures_total{role="ROLE"}.
std::string server_metrics(std::string_view role, const Server& server);

class MetricsHandler final : public Handler {
 public:
  explicit MetricsHandler(std::function<std::string()> render) : render_(std::move(render)) {}
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::function<std::string()> render_;
};

}  // namespace foobar::http
