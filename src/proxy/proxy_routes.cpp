#include "proxy/proxy_routes.hpp"

#include <algorithm>

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

RouteHandler::RouteHandler(std::vector<Route> routes, std::unique_ptr<http::Handler> fallback)
    : routes_(std::move(routes)), fallback_(std::move(fallback)) {
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return a.prefix.size() > b.prefix.size(); });
}

asio::awaitable<void> RouteHandler::handle(http::Exchange& ex) {
  const auto path = ex.request().path;
  for (auto& r : routes_)
    if (path.starts_with(r.prefix)) {
      co_await r.handler->handle(ex);
      co_return;
    }
  if (fallback_) {
    co_await fallback_->handle(ex);
    co_return;
  }
  auto& h = ex.begin(404);
  h.add("Content-Type", "text/plain");
  h.add("Content-Length", std::string_view("10"));
  co_await ex.send("not found\n");
}

}  // namespace foobar::proxy
