#include "proxy/proxy_routes.hpp"

namespace foobar::proxy {

ProxyRoutes::ProxyRoutes(const std::vector<ProxyRoute>& routes, const ProxyOptions& opts,
                         const CheckConfig& check, const HealthConfig& health) {
  for (const auto& r : routes) {
    auto group = std::make_shared<UpstreamGroup>(r.servers, health);
    services_.emplace_back(r.prefix, std::make_shared<ProxyService>(group, opts, check));
  }
}

void ProxyRoutes::start(asio::io_context& io) {
  for (auto& [prefix, svc] : services_) svc->start_health_checks(io);
}

std::unique_ptr<http::Handler> ProxyRoutes::wrap(asio::io_context& io, std::unique_ptr<http::Handler> fallback) {
  if (services_.empty()) return fallback;
  std::vector<RouteHandler::Route> routes;
  for (auto& [prefix, svc] : services_) routes.push_back({prefix, svc->make_handler(io)});
  return std::make_unique<RouteHandler>(std::move(routes), std::move(fallback));
}

void ProxyRoutes::stop() {
  for (auto& [prefix, svc] : services_) svc->stop();
}

}  // namespace foobar::proxy
