#pragma once
// SQL text the failover leader and `foobar switchover` send to MariaDB servers.
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace foobar::db {

// A single-quoted SQL string literal (backslash escapes, the server's default sql_mode).
std::string sql_literal(std::string_view s);

// Points a server's replication at primary (GTID, slave_pos). Only host and
// port: the replication user and password stay what the server was set up
// with (CHANGE MASTER keeps what it is not given), so they never leave the
// database servers.
std::string follow_sql(const net::Address& primary);

// Continue replication after what the server's own binlog holds (for an old
// primary: its own writes, which its gtid_slave_pos predates). Callers first
// check that history is part of the primary's (db/roles.hpp history_included).
inline constexpr std::string_view kResumeAfterOwnBinlog =
    "SET GLOBAL gtid_slave_pos = IF(@@gtid_binlog_pos = '', @@gtid_slave_pos, @@gtid_binlog_pos)";

// Makes a server the primary: pointed at itself without replicating (it keeps
// its replication credentials and says it was primary last), semi-sync as
// given, writable. The failover leader and `foobar switchover` both run these.
std::vector<std::string> promote_steps(const net::Address& self, bool semi_sync);

// Makes a server a replica of primary, continuing after its own binlog.
std::vector<std::string> rejoin_steps(const net::Address& primary);

}  // namespace foobar::db
