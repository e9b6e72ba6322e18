#include "ctl/db_status.hpp"

#include <mysql.h>

#include <cstdlib>
#include <cstring>

namespace foobar::ctl {

namespace {
// Column value by name from the current row, or "" (NULL too).
std::string column(MYSQL_RES* res, MYSQL_ROW row, const char* name, bool* is_null = nullptr) {
  unsigned n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < n; ++i)
    if (std::strcmp(fields[i].name, name) == 0) {
      if (is_null) *is_null = row[i] == nullptr;
      return row[i] ? row[i] : "";
    }
  if (is_null) *is_null = true;
  return "";
}
}  // namespace

DbNodeStatus query_db_status(const Endpoint& e, const std::string& user, const std::string& password) {
  DbNodeStatus st;
  MYSQL* c = mysql_init(nullptr);
  if (!c) {
    st.error = "out of memory";
    return st;
  }
  unsigned timeout = 2;
  mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(c, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_optionsv(c, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  unsigned proto = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(c, MYSQL_OPT_PROTOCOL, &proto);
  if (!mysql_real_connect(c, e.host.c_str(), user.c_str(), password.c_str(), nullptr,
                          static_cast<unsigned>(e.port), nullptr, 0)) {
    st.error = mysql_error(c);
    mysql_close(c);
    return st;
  }
  st.reachable = true;
  if (mysql_query(c, "SELECT @@gtid_current_pos, @@read_only") == 0) {
    if (MYSQL_RES* r = mysql_store_result(c)) {
      if (MYSQL_ROW row = mysql_fetch_row(r)) {
        st.gtid_current_pos = row[0] ? row[0] : "";
        st.read_only = row[1] && std::strcmp(row[1], "1") == 0;
      }
      mysql_free_result(r);
    }
  }
  if (mysql_query(c, "SHOW REPLICA STATUS") == 0) {
    if (MYSQL_RES* r = mysql_store_result(c)) {
      if (MYSQL_ROW row = mysql_fetch_row(r)) {
        st.is_replica = true;
        st.io_running = column(r, row, "Slave_IO_Running") == "Yes";
        st.sql_running = column(r, row, "Slave_SQL_Running") == "Yes";
        bool null = true;
        std::string behind = column(r, row, "Seconds_Behind_Master", &null);
        if (!null) st.seconds_behind = std::atol(behind.c_str());
        st.gtid_io_pos = column(r, row, "Gtid_IO_Pos");
        st.last_error = column(r, row, "Last_IO_Error");
        if (st.last_error.empty()) st.last_error = column(r, row, "Last_SQL_Error");
      }
      mysql_free_result(r);
    }
  } else {
    st.error = mysql_error(c);
  }
  mysql_close(c);
  return st;
}

}  // namespace foobar::ctl
