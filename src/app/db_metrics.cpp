#include "app/db_metrics.hpp"

#include <functional>
#include <string>

namespace foobar::app {

void add_db_metrics(core::metrics::Registry& r, std::shared_ptr<const db::HealthBoard> board) {
  const auto initial = board->load();
  r.callback("foobar_db_primary_up", "1 while the monitor reaches the primary.", {{"primary", initial->primary.server}},
             [board] { return board->load()->primary.up ? 1.0 : 0.0; });
  using Read = std::function<double(const db::ServerHealth&)>;
  auto per_replica = [&](const char* name, const char* help, Read read) {
    for (std::size_t i = 0; i < initial->replicas.size(); ++i)
      r.callback(name, help, {{"replica", initial->replicas[i].server}}, [board, i, read] {
        const auto h = board->load();
        return i < h->replicas.size() ? read(h->replicas[i]) : 0.0;
      });
  };
  per_replica("foobar_db_replica_up", "1 while the monitor reaches the replica.",
              [](const db::ServerHealth& h) { return h.up ? 1.0 : 0.0; });
  per_replica("foobar_db_replica_healthy", "1 while the replica takes reads (up, replicating, within the lag limit).",
              [](const db::ServerHealth& h) { return h.healthy ? 1.0 : 0.0; });
  per_replica("foobar_db_replica_io_running", "1 while the replica's IO thread runs (Slave_IO_Running).",
              [](const db::ServerHealth& h) { return h.status_known && h.io_running ? 1.0 : 0.0; });
  per_replica("foobar_db_replica_sql_running", "1 while the replica's SQL thread runs (Slave_SQL_Running).",
              [](const db::ServerHealth& h) { return h.status_known && h.sql_running ? 1.0 : 0.0; });
  per_replica("foobar_db_replica_lag_known", "1 when the replica's lag is known (0: a stopped thread or no status).",
              [](const db::ServerHealth& h) { return h.lag_seconds ? 1.0 : 0.0; });
  per_replica("foobar_db_replica_lag_seconds", "How far the replica is behind the primary (0 while unknown).",
              [](const db::ServerHealth& h) { return h.lag_seconds.value_or(0.0); });
}

}  // namespace foobar::app
