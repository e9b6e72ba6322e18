#include "ctl/db_status.hpp"

#include <chrono>

#include "core/blocking.hpp"
#include "db/connection.hpp"
#include "db/replica_monitor.hpp"
#include "db/replica_status.hpp"
#include "db/roles.hpp"

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
  auto state = co_await c.query(db::kNodeStateQuery);
  auto r = co_await c.query(db::kReplicaStatusQuery);
  st.health = db::server_health(c.options().endpoint.str(), state, r);
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

void classify_db_nodes(const std::vector<DbNodeStatus*>& nodes) {
  db::ClusterHealth h;
  for (auto* n : nodes) h.nodes.push_back(n->health);
  db::assign_roles(h, std::nullopt);
  const db::ServerHealth* p = h.primary_health();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto& n = *nodes[i];
    const auto& s = h.nodes[i];
    std::string why;
    if (h.primary == i && s.writable) {
      n.role = "primary";
    } else if (p && p->writable && s.up && s.role_known && !db::history_included(s, *p, why)) {
      n.role = "quarantined";
      n.quarantine = why;
    } else if (s.replication_errno == 1236 || (s.status_known && !s.sql_running && s.replication_errno != 0)) {
      n.role = "quarantined";
      n.quarantine = "replication failed (" + std::to_string(s.replication_errno) + "): " + s.replication_error;
    } else {
      n.role = "replica";
    }
  }
}

DbNodeStatus query_db_status(const net::Address& address, const DbLogin& login) {
  db::init_library();
  db::ServerOptions o;
  o.endpoint = address;
  o.user = login.user;
  o.password = login.password;
  o.tls_ca = login.tls_ca;
  o.connect_timeout = o.query_timeout = std::chrono::seconds(2);
  o.track_gtid = false;
  return core::run_blocking([&](const asio::any_io_executor& ex) { return read_status(ex, o); });
}

}  // namespace foobar::ctl
