#pragma once
// Replication state of one MariaDB node, read with the monitor user for
// `foobar status`, through db::Connection and the replica-status parser the
// app's monitor uses. Blocking (its own io_context); ctl only.
#include <optional>
#include <string>
#include <vector>

#include "db/health.hpp"
#include "net/address.hpp"

namespace foobar::ctl {

struct DbNodeStatus {
  bool reachable = false;
  std::string error;                    // why not reachable
  std::string gtid_current_pos;         // @@gtid_current_pos
  bool read_only = false;
  // Replicas only (the replica status has a row):
  bool is_replica = false;
  bool io_running = false;
  bool sql_running = false;
  std::optional<long> seconds_behind;   // NULL while not running
  std::string gtid_io_pos;
  std::string last_error;
  // The server as the app's monitor sees it, and its part, by the app's rules
  // (db/roles.hpp): "primary", "replica" or "quarantined" (why in quarantine).
  db::ServerHealth health;
  std::string role;
  std::string quarantine;
};

// Decides every node's role and quarantine together, as the failover leader does.
void classify_db_nodes(const std::vector<DbNodeStatus*>& nodes);

// How ctl's commands log in to the database servers: the monitor account, and
// the CA that verifies them when they speak TLS only ("": plain TCP).
struct DbLogin {
  std::string user, password, tls_ca;
};

// Connects to address (2 s timeouts) and reads the node's state.
DbNodeStatus query_db_status(const net::Address& address, const DbLogin& login);

}  // namespace foobar::ctl
