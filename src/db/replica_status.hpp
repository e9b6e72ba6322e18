#pragma once
// A replica's replication state as MariaDB reports it. One parser, shared by the
// replica monitor and `foobar status`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/result.hpp"

namespace foobar::db {

// SHOW REPLICA STATUS on 10.11 has no Gtid_Slave_Pos (what was applied); only the
// ALL form has it, one row per replication connection.
inline constexpr std::string_view kReplicaStatusQuery = "SHOW ALL REPLICAS STATUS";

struct ReplicaStatus {
  std::string io_state;                 // Slave_IO_Running: "Yes", "No" or "Connecting"
  bool io_running = false;              // io_state == "Yes"
  // Slave_IO_State is "Yes" while the IO thread reconnects after a failed read;
  // Slave_IO_State then says "Reconnecting ...". Connected: running and not that.
  bool io_connected = false;
  std::uint64_t received_heartbeats = 0;  // Slave_received_heartbeats
  bool sql_running = false;             // Slave_SQL_Running == "Yes"
  std::optional<double> seconds_behind; // Seconds_Behind_Master; NULL while a thread is not running
  std::string gtid_io_pos;              // received from the primary
  std::string gtid_slave_pos;           // applied
  std::string master;                   // Master_Host:Master_Port
  unsigned last_errno = 0;              // Last_IO_Errno, else Last_SQL_Errno
  std::string last_error;               // Last_IO_Error, else Last_SQL_Error
};

// The default (unnamed) connection's row of kReplicaStatusQuery's result, or
// nullopt when the server replicates from nothing.
std::optional<ReplicaStatus> parse_replica_status(const Result& r);

}  // namespace foobar::db
