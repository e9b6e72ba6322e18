#pragma once
// GET /metrics on a role's admin listener (Prometheus text format 0.0.4); 404
// for anything else. What it serves is the role's registry (core/metrics.hpp).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/exchange.hpp"

namespace foobar::http {

class MetricsHandler final : public Handler {
 public:
  explicit MetricsHandler(std::function<std::string()> render) : render_(std::move(render)) {}
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::function<std::string()> render_;
};

}  // namespace foobar::http
