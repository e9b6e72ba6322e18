#include "proxy/proxy_service.hpp"

namespace foobar::proxy {

ProxyService::ProxyService(std::shared_ptr<UpstreamGroup> group, std::shared_ptr<const UpstreamMetrics> metrics,
                           ProxyOptions opts, CheckConfig check)
    : group_(std::move(group)), metrics_(std::move(metrics)), opts_(std::move(opts)), check_(std::move(check)),
      stopping_(std::make_shared<std::atomic<bool>>(false)) {}

ProxyService::~ProxyService() = default;

void ProxyService::start_health_checks(asio::io_context& io) {
  checker_ = std::make_unique<HealthChecker>(io, group_, check_, opts_.tls);
  checker_->start();
}

std::unique_ptr<http::Handler> ProxyService::make_handler(unsigned worker, asio::io_context& io) {
  return std::make_unique<ProxyHandler>(io, worker, group_, metrics_, opts_, stopping_);
}

void ProxyService::stop() {
  stopping_->store(true);
  if (checker_) checker_->stop();
}

}  // namespace foobar::proxy
