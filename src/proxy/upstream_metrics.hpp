#pragma once
// An upstream group's series in its role's metrics registry: per server the
// requests, errors, retries, redispatches, responses by class, bytes each way, response
// time, state and health history; per group the answers sent to clients, the
// request duration and the maxconn queue. Every worker writes its own cells
// (core/metrics.hpp); state and history are read from the group at scrape.
//
// The prefix names the proxy: the lb's "foobar_lb" gives
// foobar_lb_backend_requests_total{backend="10.0.0.11:80"}; the web role's
// "foobar_web_proxy" with a route label gives
// foobar_web_proxy_backend_requests_total{route="/api/",backend="..."}.
#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"
#include "proxy/upstream.hpp"

namespace foobar::proxy {

struct ServerSeries {
  core::metrics::Counter* requests = nullptr;  // attempts that reached a connection
  core::metrics::Counter* errors = nullptr;    // connect failures, bad or missing responses, timeouts
  core::metrics::Counter* retries = nullptr;       // attempts sent to this server again (a stale pooled connection)
  core::metrics::Counter* redispatches = nullptr;  // attempts moved from this server to another
  std::array<core::metrics::Counter*, 5> responses{};  // by status class 1xx..5xx
  core::metrics::Counter* sent_bytes = nullptr;
  core::metrics::Counter* received_bytes = nullptr;
  core::metrics::Histogram* response_time = nullptr;  // request sent -> response head received
};

class UpstreamMetrics {
 public:
  UpstreamMetrics(core::metrics::Registry& registry, std::shared_ptr<const UpstreamGroup> group,
                  std::string_view prefix, core::metrics::Labels labels = {});

  const ServerSeries& server(std::size_t i) const noexcept { return servers_[i]; }
  // An answer sent to the client (the proxy's own 502/503/504 included).
  void count_response(unsigned worker, int status) const noexcept;
  std::uint64_t responses(int cls) const noexcept { return responses_[static_cast<std::size_t>(cls - 1)]->value(); }
  core::metrics::Histogram& duration() const noexcept { return *duration_; }  // request head -> response end
  core::metrics::Gauge& queued() const noexcept { return *queued_; }          // waiting for a server below maxconn
  core::metrics::Histogram& queue_wait() const noexcept { return *queue_wait_; }

 private:
  std::vector<ServerSeries> servers_;
  std::array<core::metrics::Counter*, 5> responses_{};
  core::metrics::Histogram* duration_ = nullptr;
  core::metrics::Gauge* queued_ = nullptr;
  core::metrics::Histogram* queue_wait_ = nullptr;
};

}  // namespace foobar::proxy
