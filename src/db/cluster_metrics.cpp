#include "db/cluster_metrics.hpp"

namespace foobar::db {

ClusterMetrics::ClusterMetrics(core::metrics::Registry& r, std::span<const ServerOptions> servers,
                               std::size_t pool_max_size) {
  const double limit = static_cast<double>(pool_max_size) * r.workers();
  constexpr const char* kTargets[] = {"primary", "replica"};
  for (std::size_t t = 0; t < 2; ++t) {
    queries_[t] = &r.histogram("foobar_db_query_duration_seconds", "Statements sent to the database, by target.",
                               {{"target", kTargets[t]}});
    errors_[t] = &r.counter("foobar_db_query_errors_total", "Statements that failed (connection, timeout or SQL error).",
                            {{"target", kTargets[t]}});
  }
  constexpr const char* kCausal = "foobar_db_causal_reads_total";
  constexpr const char* kCausalHelp =
      "Reads that must see the client's own write: waited for on a replica, or sent to the primary.";
  causal_waits_ = &r.counter(kCausal, kCausalHelp, {{"outcome", "replica_wait"}});
  causal_fallbacks_ = &r.counter(kCausal, kCausalHelp, {{"outcome", "primary"}});
  for (const auto& s : servers) {
    const auto name = s.endpoint.str();
    constexpr const char* kConns = "foobar_db_pool_connections";
    constexpr const char* kConnsHelp = "Connections to the database server: idle, or busy with a statement.";
    pools_.push_back({&r.gauge(kConns, kConnsHelp, {{"server", name}, {"state", "idle"}}),
                      &r.gauge(kConns, kConnsHelp, {{"server", name}, {"state", "busy"}}),
                      &r.histogram("foobar_db_pool_wait_seconds",
                                   "Time to get a connection to the server (a new connection's connect included).",
                                   {{"server", name}})});
    r.callback("foobar_db_pool_max_connections", "The most connections the pools may open to the server (all workers).",
               {{"server", name}}, [limit] { return limit; });
  }
}

void ClusterMetrics::query_done(unsigned worker, Target target, bool ok, double seconds) const noexcept {
  const auto t = static_cast<std::size_t>(target);
  queries_[t]->observe(worker, seconds);
  if (!ok) errors_[t]->add(worker);
}

}  // namespace foobar::db
