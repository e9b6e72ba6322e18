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

}  // namespace foobar::db
