#pragma once
// The replica monitor's findings, published to every worker thread as an
// immutable snapshot: readers load a shared_ptr, never a lock.
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
  bool healthy = false;        // replicas: may take reads; primary: == up
  bool status_known = false;   // replication status was read (monitor user); else io/sql are unknown
  bool io_running = false;     // Slave_IO_Running
  bool sql_running = false;    // Slave_SQL_Running
  std::optional<double> lag_seconds;  // our estimate (see replica_monitor.hpp); nullopt when unknown
  std::string gtid_io_pos;     // received from the primary
  std::string gtid_slave_pos;  // applied
  std::vector<Gtid> applied;   // parsed gtid_slave_pos
  std::string reason;          // why not healthy
};

struct ClusterHealth {
  ServerHealth primary;
  std::vector<ServerHealth> replicas;  // same order as the configured replicas
  std::chrono::system_clock::time_point at{};
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
