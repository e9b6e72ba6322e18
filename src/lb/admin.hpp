#pragma once
// The lb admin listener: /stats (HTML, refreshes itself), /stats.json,
// /metrics (Prometheus text or OpenMetrics) and POST /backends/HOST:PORT/{drain,disable,enable}.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/exchange.hpp"
#include "http/metrics_handler.hpp"
#include "lb/alert_inbox.hpp"
#include "net/address.hpp"
#include "proxy/proxy_service.hpp"

namespace foobar::lb {

// The admin pages' renderings of a service's current state (also used by tests).
std::string render_stats_json(const proxy::ProxyService& svc);
std::string render_stats_html(const proxy::ProxyService& svc);

class AdminHandler final : public http::Handler {
 public:
  // metrics: the lb's registry, for /metrics.
  // prometheus: where /dashboard's queries go (none: no dashboard).
  AdminHandler(std::shared_ptr<proxy::ProxyService> svc, const core::metrics::Registry& metrics,
               std::shared_ptr<AlertInbox> alerts, std::optional<net::Address> prometheus)
      : svc_(std::move(svc)),
        metrics_(metrics),
        alerts_(std::move(alerts)),
        prometheus_(std::move(prometheus)) {}
  asio::awaitable<http::Outcome> handle(http::Exchange& ex) override;

 private:
  // Decides the answer to req (no I/O).
  void route(const http::Request& req, int& status, std::string& type, std::string& body);
  std::shared_ptr<proxy::ProxyService> svc_;
  http::MetricsHandler metrics_;
  asio::awaitable<void> dashboard(http::Exchange& ex);
  std::shared_ptr<AlertInbox> alerts_;
  std::optional<net::Address> prometheus_;
};

}  // namespace foobar::lb
