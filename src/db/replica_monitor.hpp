#pragma once
// Checks every database server each interval (on one io_context) and publishes
// a ClusterHealth snapshot to a HealthBoard: each server's role (read_only),
// GTID positions and semi-sync state, its replication status, and from those
// (db/roles.hpp) who is primary and who may take reads.
//
// A replica takes reads only while it is reachable, its IO thread is not
// stopped ("No"; "Connecting" while the primary is down is fine) and its lag is
// known and at most max_replica_lag. Lag is Seconds_Behind_Master when the SQL
// thread reports it; otherwise (SQL thread stopped, IO thread reconnecting) it is
// estimated as 0 when everything received is applied, else as the time since we
// first saw the applied position fall behind the received one.
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "core/asio.hpp"
#include "db/connection.hpp"
#include "db/health.hpp"

namespace foobar::db {

struct MonitorOptions {
  std::chrono::milliseconds interval{1000};
  double max_replica_lag = 5.0;  // seconds
  bool replication_status = true;  // false: no monitor user, replicas are only pinged
};

// Assesses one replica from its kReplicaStatusQuery result (pure; unit-tested).
// behind_since carries the lag estimate between calls.
ServerHealth assess_replica(const Result& status, std::optional<std::chrono::steady_clock::time_point>& behind_since,
                            std::chrono::steady_clock::time_point now, double max_replica_lag);

// One query for a server's role and positions (monitor user; no privilege needed).
inline constexpr std::string_view kNodeStateQuery =
    "SELECT @@read_only, @@rpl_semi_sync_master_enabled, @@gtid_binlog_pos, @@gtid_binlog_state, "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME')";
// Copies kNodeStateQuery's answer into h (role_known, writable, positions...); false if malformed.
bool read_node_state(const Result& r, ServerHealth& h);

// One look at a server from the answers to kNodeStateQuery and
// kReplicaStatusQuery (no lag history: lag is Seconds_Behind_Master, or 0 when
// caught up). For one-off looks: the failover leader, `foobar status`.
ServerHealth server_health(std::string server, const Result& state, const Result& status);

class ReplicaMonitor {
 public:
  // Servers' options carry the monitor user's credentials; servers[0] is the
  // configured primary (the primary while roles are unknown).
  ReplicaMonitor(asio::any_io_executor ex, std::vector<ServerOptions> servers, MonitorOptions options,
                 std::shared_ptr<HealthBoard> board);
  ~ReplicaMonitor();
  // Starts one checking loop per server on the executor.
  void start();
  // Ends the loops (call on the executor's thread, e.g. from a stop handler).
  void stop();

 private:
  struct Target;
  asio::awaitable<void> loop(std::size_t index);
  asio::awaitable<ServerHealth> check(Target& t);
  void publish(std::size_t index, ServerHealth h);

  asio::any_io_executor ex_;
  MonitorOptions options_;
  std::shared_ptr<HealthBoard> board_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::shared_ptr<bool> stopped_;
};

// An initial snapshot: every server unchecked and not healthy; servers[0] primary.
std::shared_ptr<const ClusterHealth> initial_health(const std::vector<ServerOptions>& servers);

}  // namespace foobar::db
