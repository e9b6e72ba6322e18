#include "proxy/proxy_routes.hpp"

#include <algorithm>

namespace foobar::proxy {

ProxyRoutes::ProxyRoutes(const std::vector<ProxyRoute>& routes, const ProxyOptions& opts,
                         const CheckConfig& check, const HealthConfig& health) {
  for (const auto& r : routes) {
    auto group = std::make_shared<UpstreamGroup>(r.servers, health);
    services_.emplace_back(r.prefix, std::make_shared<ProxyService>(group, opts, check));
  }
  std::stable_sort(services_.begin(), services_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void ProxyRoutes::start(asio::io_context& io) {
  for (auto& [prefix, svc] : services_) svc->start_health_checks(io);
}

void ProxyRoutes::add_to(http::HandlerChain& chain, asio::io_context& io) const {
  for (const auto& [prefix, svc] : services_)
    chain.add(std::make_unique<http::PrefixRoute>(prefix, svc->make_handler(io)));
}

void ProxyRoutes::stop() {
  for (auto& [prefix, svc] : services_) svc->stop();
}

}  // namespace foobar::proxy
