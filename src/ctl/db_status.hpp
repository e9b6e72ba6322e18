#pragma once
// Replication state of one MariaDB node, read with the monitor user for
// `foobar status` and for `foobar up`'s catch-up wait. Blocking; ctl only.
#include <optional>
#include <string>

#include "ctl/topology.hpp"

namespace foobar::ctl {

struct DbNodeStatus {
  bool reachable = false;
  std::string error;                    // why not reachable
  std::string gtid_current_pos;         // @@gtid_current_pos
  bool read_only = false;
  // Replicas only (SHOW REPLICA STATUS has a row):
  bool is_replica = false;
  bool io_running = false;
  bool sql_running = false;
  std::optional<long> seconds_behind;   // NULL while not running
  std::string gtid_io_pos;
  std::string last_error;
};

// Connects to e as user/password (TCP, 2 s timeouts) and reads the node's state.
DbNodeStatus query_db_status(const Endpoint& e, const std::string& user, const std::string& password);

}  // namespace foobar::ctl
