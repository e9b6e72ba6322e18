#pragma once
// What every worker shares for one upstream: the group, the proxy options and
// the active health checker. Each worker gets its own ProxyHandler from it.
#include <atomic>
#include <memory>

#include "core/asio.hpp"
#include "http/server.hpp"
#include "proxy/health_check.hpp"
#include "proxy/proxy_handler.hpp"
#include "proxy/upstream.hpp"

namespace foobar::proxy {

class ProxyService {
 public:
  ProxyService(std::shared_ptr<UpstreamGroup> group, std::shared_ptr<const UpstreamMetrics> metrics, ProxyOptions opts,
               CheckConfig check);
  ~ProxyService();

  UpstreamGroup& group() noexcept { return *group_; }
  const UpstreamGroup& group() const noexcept { return *group_; }
  const std::shared_ptr<UpstreamGroup>& group_ptr() const noexcept { return group_; }
  const UpstreamMetrics& metrics() const noexcept { return *metrics_; }
  const ProxyOptions& options() const noexcept { return opts_; }
  const CheckConfig& check() const noexcept { return check_; }

  // Starts the active health checks on io (one thread does all checks).
  void start_health_checks(asio::io_context& io);
  // A handler for worker `worker`; it must be used on io's thread only.
  std::unique_ptr<http::Handler> make_handler(unsigned worker, asio::io_context& io);
  // Stops health checks now and lets pools close within a second. Call on the
  // thread that runs the health checks' io_context.
  void stop();

 private:
  std::shared_ptr<UpstreamGroup> group_;
  std::shared_ptr<const UpstreamMetrics> metrics_;
  ProxyOptions opts_;
  CheckConfig check_;
  std::unique_ptr<HealthChecker> checker_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

}  // namespace foobar::proxy
