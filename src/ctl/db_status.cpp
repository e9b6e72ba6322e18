#include "ctl/db_status.hpp"

#include <chrono>

#include "core/blocking.hpp"
#include "db/connection.hpp"
#include "db/replica_status.hpp"

namespace foobar::ctl {

namespace {
asio::awaitable<DbNodeStatus> read_status(asio::any_io_executor ex, db::ServerOptions options) {
  DbNodeStatus st;
  db::Connection c(ex, std::make_shared<const db::ServerOptions>(std::move(options)));
  auto err = co_await c.connect();
  if (err) {
    st.error = err.message;
    co_return st;
  }
  st.reachable = true;
  auto pos = co_await c.query("SELECT @@gtid_current_pos, @@read_only");
  if (pos.ok() && !pos.rows.empty()) {
    st.gtid_current_pos = pos.rows[0][0].value_or("");
    st.read_only = pos.rows[0][1].value_or("0") == "1";
  }
  auto r = co_await c.query(db::kReplicaStatusQuery);
  if (!r.ok()) {
    st.error = r.error.message;
  } else if (auto rs = db::parse_replica_status(r)) {
    st.is_replica = true;
    st.io_running = rs->io_running;
    st.sql_running = rs->sql_running;
    if (rs->seconds_behind) st.seconds_behind = static_cast<long>(*rs->seconds_behind);
    st.gtid_io_pos = rs->gtid_io_pos;
    st.last_error = rs->last_error;
  }
  co_return st;
}
}  // namespace

DbNodeStatus query_db_status(const net::Address& address, const std::string& user, const std::string& password) {
  db::init_library();
  db::ServerOptions o;
  o.endpoint = address;
  o.user = user;
  o.password = password;
  o.connect_timeout = o.query_timeout = std::chrono::seconds(2);
  o.track_gtid = false;
  return core::run_blocking([&](const asio::any_io_executor& ex) { return read_status(ex, o); });
}

}  // namespace foobar::ctl
