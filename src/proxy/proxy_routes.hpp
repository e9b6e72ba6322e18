#pragma once
// The web role's reverse-proxy routes ("--proxy /api/=HOST:PORT,HOST:PORT"):
// one upstream group + ProxyService per route; each worker's handler chain gets
// a PrefixRoute per route in front of the role's own handlers.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/handler_chain.hpp"
#include "proxy/proxy_service.hpp"
#include "proxy/route_spec.hpp"

namespace foobar::proxy {

class ProxyRoutes {
 public:
  // One service per route, all with the same options and health checks; each
  // route's series (foobar_web_proxy_*{route=...}) in metrics.
  ProxyRoutes(const std::vector<ProxyRoute>& routes, core::metrics::Registry& metrics, const ProxyOptions& opts = {},
              const CheckConfig& check = {}, const HealthConfig& health = {});
  bool empty() const noexcept { return services_.empty(); }
  // Starts health checks of every route on io (call once, before run).
  void start(asio::io_context& io);
  // Appends one PrefixRoute per route to chain, longest prefix first (so the
  // most specific wins), with the proxy handler for worker `worker` (on io).
  void add_to(http::HandlerChain& chain, unsigned worker, asio::io_context& io) const;
  // Stops health checks and pools (call on the io_context given to start()).
  void stop();

 private:
  std::vector<std::pair<std::string, std::shared_ptr<ProxyService>>> services_;  // longest prefix first
};

}  // namespace foobar::proxy
