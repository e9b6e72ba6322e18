#include "app/db_metrics.hpp"

#include <functional>
#include <string>

namespace foobar::app {

void add_db_metrics(core::metrics::Registry& r, std::shared_ptr<const db::HealthBoard> board) {
  const auto initial = board->load();
  r.callback("foobar_db_primary_up", "1 while a primary takes writes (reachable, writable, acknowledged by a replica).",
             {}, [board] { return board->load()->writes_refused.empty() ? 1.0 : 0.0; });
  using Read = std::function<double(const db::ClusterHealth&, std::size_t)>;
  auto per_node = [&](const char* name, const char* help, Read read) {
    for (std::size_t i = 0; i < initial->nodes.size(); ++i)
      r.callback(name, help, {{"server", initial->nodes[i].server}}, [board, i, read] {
        const auto h = board->load();
        return i < h->nodes.size() ? read(*h, i) : 0.0;
      });
  };
  auto node = [](auto field) {
    return [field](const db::ClusterHealth& h, std::size_t i) { return field(h.nodes[i]) ? 1.0 : 0.0; };
  };
  per_node("foobar_db_node_up", "1 while the monitor reaches the database server.",
           node([](const db::ServerHealth& s) { return s.up; }));
  per_node("foobar_db_node_primary", "1 for the server that is the primary.",
           [](const db::ClusterHealth& h, std::size_t i) { return h.primary == i ? 1.0 : 0.0; });
  per_node("foobar_db_node_quarantined", "1 while the server is kept out: it holds transactions the primary lacks.",
           [](const db::ClusterHealth& h, std::size_t i) { return h.quarantined[i].empty() ? 0.0 : 1.0; });
  per_node("foobar_db_semi_sync_enabled",
           "1 while the server waits for a replica's acknowledgement of each commit (rpl_semi_sync_master_enabled).",
           node([](const db::ServerHealth& s) { return s.semi_sync_master; }));
  per_node("foobar_db_semi_sync_clients", "Replicas connected to the server that acknowledge its commits.",
           [](const db::ClusterHealth& h, std::size_t i) { return h.nodes[i].semi_sync_clients.value_or(0); });
  // The replica series describe every server that is not the primary.
  per_node("foobar_db_replica_up", "1 while the monitor reaches the server as a replica (0 for the primary).",
           [](const db::ClusterHealth& h, std::size_t i) { return h.is_replica(i) && h.nodes[i].up ? 1.0 : 0.0; });
  per_node("foobar_db_replica_healthy", "1 while the replica takes reads (up, replicating, within the lag limit).",
           [](const db::ClusterHealth& h, std::size_t i) { return h.is_replica(i) && h.nodes[i].healthy ? 1.0 : 0.0; });
  per_node("foobar_db_replica_io_running", "1 while the replica's IO thread runs (Slave_IO_Running).",
           node([](const db::ServerHealth& s) { return s.status_known && s.io_running; }));
  per_node("foobar_db_replica_sql_running", "1 while the replica's SQL thread runs (Slave_SQL_Running).",
           node([](const db::ServerHealth& s) { return s.status_known && s.sql_running; }));
  per_node("foobar_db_replica_lag_known", "1 when the replica's lag is known (0: a stopped thread or no status).",
           node([](const db::ServerHealth& s) { return s.lag_seconds.has_value(); }));
  per_node("foobar_db_replica_lag_seconds", "How far the replica is behind the primary (0 while unknown).",
           [](const db::ClusterHealth& h, std::size_t i) { return h.nodes[i].lag_seconds.value_or(0.0); });
}

}  // namespace foobar::app
