#pragma once
// The monitor's findings, published to every worker thread as an immutable
// snapshot: readers load a shared_ptr, never a lock.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/gtid.hpp"

namespace foobar::db {

struct ServerHealth {
  std::string server;          // "IP:PORT"
  bool checked = false;        // false until the first check finished
  bool up = false;             // reachable, and the check passed
  bool unreachable = false;    // the last check could not reach the server at all (not: it refused us)
  bool healthy = false;        // may take reads (as a replica); for the primary: up and writable
  bool role_known = false;     // read_only and the positions below were read (monitor user)
  bool writable = false;       // @@read_only = OFF: this server takes writes
  bool semi_sync_master = false;            // @@rpl_semi_sync_master_enabled
  std::optional<unsigned> semi_sync_clients;  // Rpl_semi_sync_master_clients
  double uptime_seconds = 0;   // Uptime: a drop means the server restarted
  std::string gtid_binlog_pos;    // last GTID written to its binlog, per domain
  std::string gtid_binlog_state;  // last GTID per domain and server id: what history it holds
  bool status_known = false;   // replication status was read (monitor user); else io/sql are unknown
  std::string io_state;        // Slave_IO_Running: "Yes", "No", "Connecting"; "" when not configured
  bool io_running = false;     // Slave_IO_Running == "Yes"
  bool io_connected = false;   // ...and not reconnecting: it hears from its primary
  bool sql_running = false;    // Slave_SQL_Running
  std::string master;          // "HOST:PORT" it replicates from ("" when not configured)
  unsigned replication_errno = 0;  // Last_IO_Errno, else Last_SQL_Errno
  std::string replication_error;
  std::optional<double> lag_seconds;  // our estimate (see replica_monitor.hpp); nullopt when unknown
  std::string gtid_io_pos;     // received from the primary
  std::string gtid_slave_pos;  // applied
  std::vector<Gtid> applied;   // parsed gtid_slave_pos
  std::string reason;          // why not healthy
  // When the monitor last saw it reachable and writable (kept across failed checks).
  std::chrono::steady_clock::time_point writable_at{};
};

struct ClusterHealth {
  std::vector<ServerHealth> nodes;     // every configured server, in the configured order
  std::optional<std::size_t> primary;  // the node taking writes, if any
  // Why writes are refused right now ("" = they are not): no writable primary,
  // or one that no replica acknowledges (semi-synchronous replication).
  std::string writes_refused;
  bool writes_wait = false;  // ...for a moment: the primary is reachable but read-only (a change of primary)
  // Per node: why it is kept out of the cluster ("" = it is not).
  std::vector<std::string> quarantined;
  std::chrono::system_clock::time_point at{};

  const ServerHealth* primary_health() const noexcept { return primary ? &nodes[*primary] : nullptr; }
  bool is_replica(std::size_t i) const noexcept { return !primary || *primary != i; }
};

// Holder of the latest snapshot; store() from the monitor thread, load() from any.
class HealthBoard {
 public:
  explicit HealthBoard(std::shared_ptr<const ClusterHealth> initial) : snapshot_(std::move(initial)) {}
  std::shared_ptr<const ClusterHealth> load() const noexcept { return snapshot_.load(std::memory_order_acquire); }
  void store(std::shared_ptr<const ClusterHealth> s) noexcept { snapshot_.store(std::move(s), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const ClusterHealth>> snapshot_;
};

}  // namespace foobar::db
