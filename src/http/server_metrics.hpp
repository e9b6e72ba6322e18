#pragma once
// The series every role's HTTP server exports (its requests by status class,
// their durations, its connections, failed TLS handshakes), in the role's
// registry. Each worker writes only its own cells.
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/metrics.hpp"

namespace foobar::http {

class ServerMetrics {
 public:
  // Registers every series (at 0) in registry, labelled role="ROLE".
  // connection_limit: the most open connections the server allows (all workers).
  ServerMetrics(core::metrics::Registry& registry, std::string_view role, std::uint64_t connection_limit,
                std::function<std::uint64_t()> failed_handshakes);

  void connection_opened(unsigned worker) noexcept { open_.add(worker); }
  void connection_closed(unsigned worker) noexcept { open_.sub(worker); }
  void request_started(unsigned worker) noexcept { active_->add(worker); }
  // A TLS handshake completed, with a new or a resumed session.
  void handshake_done(unsigned worker, bool resumed) noexcept { handshakes_[resumed ? 1 : 0]->add(worker); }
  // The response went out (status) after seconds since its head arrived;
  // trace_id (the request's, http/request_ids.hpp) becomes its exemplar.
  void request_done(unsigned worker, int status, double seconds, std::string_view trace_id = {}) noexcept;

 private:
  std::array<core::metrics::Counter*, 5> responses_{};  // 1xx .. 5xx
  std::array<core::metrics::Counter*, 2> handshakes_{};  // new, resumed
  core::metrics::Histogram* duration_ = nullptr;
  core::metrics::Gauge* active_ = nullptr;  // connections in a request
  core::metrics::Gauge open_;               // every open connection (idle = open - active)
};

}  // namespace foobar::http
