#include "db/replication_sql.hpp"

namespace foobar::db {

std::string sql_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\x1a': out += "\\Z"; break;
      case '\'': case '\\': out += '\\'; out += c; break;
      default: out += c;
    }
  }
  return out + "'";
}

std::string follow_sql(const net::Address& primary) {
  return "CHANGE MASTER TO MASTER_HOST = " + sql_literal(primary.host()) + ", MASTER_PORT = " +
         std::to_string(primary.port()) + ", MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1";
}

std::vector<std::string> promote_steps(const net::Address& self, bool semi_sync) {
  return {"STOP SLAVE", follow_sql(self),
          std::string("SET GLOBAL rpl_semi_sync_master_enabled = ") + (semi_sync ? "ON" : "OFF"),
          "SET GLOBAL read_only = OFF"};
}

std::vector<std::string> rejoin_steps(const net::Address& primary) {
  return {"STOP SLAVE", "SET GLOBAL rpl_semi_sync_master_enabled = OFF", std::string(kResumeAfterOwnBinlog),
          follow_sql(primary), "START SLAVE"};
}

}  // namespace foobar::db
