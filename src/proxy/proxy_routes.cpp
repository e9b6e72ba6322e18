#include "proxy/proxy_routes.hpp"

#include <algorithm>

namespace foobar::proxy {

ProxyRoutes::ProxyRoutes(const std::vector<ProxyRoute>& routes, core::metrics::Registry& metrics,
                         const ProxyOptions& opts, const CheckConfig& check, const HealthConfig& health) {
  for (const auto& r : routes) {
    auto group = std::make_shared<UpstreamGroup>(r.servers, health);
    auto m = std::make_shared<const UpstreamMetrics>(metrics, group, "foobar_web_proxy",
                                                     core::metrics::Labels{{"route", r.prefix}});
    services_.emplace_back(r.prefix, std::make_shared<ProxyService>(group, std::move(m), opts, check));
  }
  std::stable_sort(services_.begin(), services_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void ProxyRoutes::start(asio::io_context& io) {
  for (auto& [prefix, svc] : services_) svc->start_health_checks(io);
}

void ProxyRoutes::add_to(http::HandlerChain& chain, unsigned worker, asio::io_context& io) const {
  for (const auto& [prefix, svc] : services_)
    chain.add(std::make_unique<http::PrefixRoute>(prefix, svc->make_handler(worker, io)));
}

void ProxyRoutes::stop() {
  for (auto& [prefix, svc] : services_) svc->stop();
}

}  // namespace foobar::proxy
