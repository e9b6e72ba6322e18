#pragma once
// The web role's reverse-proxy routes ("--proxy /api/=HOST:PORT,HOST:PORT"):
// one upstream group + ProxyService per route, and a per-worker handler that
// sends matching paths to them and everything else to the role's own handler.
#include <memory>
#include <vector>

#include "http/server.hpp"
#include "proxy/proxy_service.hpp"
#include "proxy/route_spec.hpp"

namespace foobar::proxy {

// Web role: requests whose path starts with one of the prefixes go to that
// prefix's proxy (longest prefix wins); everything else to fallback.
class RouteHandler final : public http::Handler {
 public:
  struct Route {
    std::string prefix;
    std::unique_ptr<http::Handler> handler;
  };
  RouteHandler(std::vector<Route> routes, std::unique_ptr<http::Handler> fallback);
  asio::awaitable<void> handle(http::Exchange& ex) override;

 private:
  std::vector<Route> routes_;  // longest prefix first
  std::unique_ptr<http::Handler> fallback_;
};

class ProxyRoutes {
 public:
  // One service per route, all with the same options and health checks.
  ProxyRoutes(const std::vector<ProxyRoute>& routes, const ProxyOptions& opts = {},
              const CheckConfig& check = {}, const HealthConfig& health = {});
  bool empty() const noexcept { return services_.empty(); }
  // Starts health checks of every route on io (call once, before run).
  void start(asio::io_context& io);
  // fallback wrapped: requests under a route's prefix go to its proxy.
  // With no routes, returns fallback itself.
  std::unique_ptr<http::Handler> wrap(asio::io_context& io, std::unique_ptr<http::Handler> fallback);
  // Stops health checks and pools (call on the io_context given to start()).
  void stop();

 private:
  std::vector<std::pair<std::string, std::shared_ptr<ProxyService>>> services_;
};

}  // namespace foobar::proxy
