#pragma once
// The database client's series, registered once per process and written by
// every worker's Cluster and Pools into their own cells (core/metrics.hpp):
//   foobar_db_query_duration_seconds{target}   statements, by where they ran (primary, replica)
//   foobar_db_query_errors_total{target}
//   foobar_db_causal_reads_total{outcome}      reads with a read-your-writes GTID: waited on a
//                                              replica, or sent to the primary (fallback)
//   foobar_db_pool_connections{server,state}   idle and busy connections per server
//   foobar_db_pool_wait_seconds{server}        time to get a connection (connects included)
//   foobar_db_pool_max_connections{server}     the most the pools may open (saturation)
#include <array>
#include <span>
#include <vector>

#include "core/metrics.hpp"
#include "db/connection.hpp"

namespace foobar::db {

enum class Target : std::uint8_t { primary, replica };

struct PoolSeries {
  core::metrics::Gauge* idle = nullptr;
  core::metrics::Gauge* busy = nullptr;
  core::metrics::Histogram* wait = nullptr;
};

class ClusterMetrics {
 public:
  // pool_max_size: each worker's pool limit per server (PoolOptions::max_size).
  ClusterMetrics(core::metrics::Registry& registry, std::span<const ServerOptions> servers, std::size_t pool_max_size);

  // A statement's outcome on target, seconds after it was sent.
  void query_done(unsigned worker, Target target, bool ok, double seconds) const noexcept;
  core::metrics::Counter& causal_waits() const noexcept { return *causal_waits_; }
  core::metrics::Counter& causal_fallbacks() const noexcept { return *causal_fallbacks_; }
  const PoolSeries& pool(std::size_t server) const noexcept { return pools_[server]; }

 private:
  std::array<core::metrics::Histogram*, 2> queries_{};
  std::array<core::metrics::Counter*, 2> errors_{};
  core::metrics::Counter* causal_waits_ = nullptr;
  core::metrics::Counter* causal_fallbacks_ = nullptr;
  std::vector<PoolSeries> pools_;
};

}  // namespace foobar::db
