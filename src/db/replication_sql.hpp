#pragma once
// SQL text the failover leader and `foobar switchover` send to MariaDB servers.
#include <string>
#include <string_view>

#include "net/address.hpp"

namespace foobar::db {

// A single-quoted SQL string literal (backslash escapes, the server's default sql_mode).
std::string sql_literal(std::string_view s);

// Points a server's replication at primary (GTID, slave_pos). Only host and
// port: the replication user and password stay what the server was set up
// with (CHANGE MASTER keeps what it is not given), so they never leave the
// database servers.
std::string follow_sql(const net::Address& primary);

}  // namespace foobar::db
