#pragma once
// GET /metrics on a role's admin listener: the role's registry
// (core/metrics.hpp) in the format the scraper's Accept asks for (Prometheus
// text 0.0.4, or OpenMetrics with exemplars); 404 for anything else.
#include "core/metrics.hpp"
#include "http/exchange.hpp"

namespace foobar::http {

class MetricsHandler final : public Handler {
 public:
  explicit MetricsHandler(const core::metrics::Registry& registry) : registry_(registry) {}
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  const core::metrics::Registry& registry_;
};

}  // namespace foobar::http
