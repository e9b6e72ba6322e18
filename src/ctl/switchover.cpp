#include "ctl/switchover.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "core/blocking.hpp"
#include "ctl/database.hpp"
#include "ctl/render.hpp"
#include "ctl/stack_file.hpp"
#include "ctl/state_dir.hpp"
#include "ctl/topology.hpp"
#include "db/connection.hpp"
#include "db/replica_monitor.hpp"
#include "db/replica_status.hpp"
#include "db/replication_sql.hpp"
#include "db/roles.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Link {
  const DbServer* server;
  std::unique_ptr<db::Connection> conn;
  db::ServerHealth health;
};

asio::awaitable<int> change_primary(asio::any_io_executor ex, const std::vector<DbServer>& servers,
                                    const DbLogin& login, const std::string& to) {
  db::init_library();
  std::vector<Link> links;
  for (const auto& s : servers) {
    db::ServerOptions o;
    o.endpoint = s.address;
    o.user = login.user;
    o.password = login.password;
    o.tls_ca = login.tls_ca;
    o.connect_timeout = std::chrono::seconds(2);
    o.query_timeout = std::chrono::seconds(15);
    o.track_gtid = false;
    Link l{&s, std::make_unique<db::Connection>(ex, std::make_shared<const db::ServerOptions>(o)), {}};
    if (auto err = co_await l.conn->connect()) {
      fmt::print(stderr, "foobar switchover: {} ({}) is unreachable: {}\n", s.name, s.address.str(), err.message);
      co_return 1;
    }
    auto state = co_await l.conn->query(db::kNodeStateQuery);
    auto status = co_await l.conn->query(db::kReplicaStatusQuery);
    l.health = db::server_health(s.address.str(), state, status);
    if (!l.health.up) {
      fmt::print(stderr, "foobar switchover: cannot read {}: {}\n", s.name, l.health.reason);
      co_return 1;
    }
    links.push_back(std::move(l));
  }
  auto run = [&](Link& l, const std::string& sql) -> asio::awaitable<bool> {
    auto r = co_await l.conn->query(sql);
    if (!r.ok()) fmt::print(stderr, "foobar switchover: {} on {}: {}\n", sql, l.server->name, r.error.message);
    co_return r.ok();
  };

  Link* primary = nullptr;
  for (auto& l : links)
    if (l.health.writable) {
      if (primary) {
        fmt::print(stderr, "foobar switchover: {} and {} are both writable; let the failover leader settle it\n",
                   primary->server->name, l.server->name);
        co_return 1;
      }
      primary = &l;
    }
  if (!primary) {
    fmt::print(stderr, "foobar switchover: no server is writable (a failover is under way?)\n");
    co_return 1;
  }
  // The target: named, or the connected replica that received the most.
  Link* target = nullptr;
  for (auto& l : links) {
    if (&l == primary) continue;
    const bool named = l.server->name == to || l.server->address.str() == to;
    if (!to.empty() && !named) continue;
    if (!l.health.io_connected || l.health.master != primary->health.server) {
      if (named) {
        fmt::print(stderr, "foobar switchover: {} is not replicating from the primary {}\n", l.server->name,
                   primary->server->name);
        co_return 1;
      }
      continue;
    }
    if (!target || db::includes(db::received_position(l.health), db::received_position(target->health))) target = &l;
  }
  if (!target) {
    fmt::print(stderr, "foobar switchover: {}\n", to.empty() ? "no replica follows the primary" : "no server " + to);
    co_return 1;
  }

  const auto t0 = Clock::now();
  // 1. No new writes on the old primary (read_only waits for commits in flight).
  if (!co_await run(*primary, "SET GLOBAL read_only = ON")) co_return 1;
  // 2. The target applies all of it.
  auto pos = co_await primary->conn->query("SELECT @@gtid_binlog_pos");
  const std::string gtid = pos.ok() && !pos.rows.empty() ? pos.rows[0][0].value_or("") : "";
  if (!gtid.empty()) {
    auto w = co_await target->conn->query("SELECT MASTER_GTID_WAIT(" + db::sql_literal(gtid) + ", 10)");
    if (!w.ok() || w.rows.empty() || w.rows[0][0] != "0") {
      fmt::print(stderr, "foobar switchover: {} did not reach {} in 10 s; {} stays primary\n", target->server->name,
                 gtid, primary->server->name);
      co_await run(*primary, "SET GLOBAL read_only = OFF");
      co_return 1;
    }
  }
  // 3. The target becomes the primary, as a failover would make it.
  for (const auto& sql : db::promote_steps(target->server->address, primary->health.semi_sync_master))
    if (!co_await run(*target, sql)) co_return 1;
  const auto promoted_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  // 4. Everyone else follows it; the old primary continues after its own binlog.
  for (auto& l : links) {
    if (&l == target) continue;
    for (const auto& sql : db::rejoin_steps(target->server->address))
      if (!co_await run(l, sql)) co_return 1;
  }
  fmt::print("switchover: {} -> {}: writes paused {} ms (at {})\n", primary->server->name, target->server->name,
             promoted_ms, gtid.empty() ? "-" : gtid);
  co_return 0;
}

}  // namespace

int switchover(const std::vector<DbServer>& servers, const DbLogin& login, const std::string& to) {
  return core::run_blocking([&](const asio::any_io_executor& ex) { return change_primary(ex, servers, login, to); });
}

int run_switchover(const fs::path& state_dir, const std::string& config, const fs::path& secrets,
                   const std::string& to) {
  std::vector<DbServer> servers;
  DbLogin login;
  try {
    if (!config.empty()) {
      Topology topo = load_topology(config);
      for (const Node& n : nodes(topo))
        if (n.role == Role::db_primary || n.role == Role::db_replica) servers.push_back({n.name, n.address});
      login = hosts_db_login(topo, secrets.empty() ? default_secrets_dir(config) : secrets);
    } else {
      StateDir dir(state_dir);
      auto stack = read_stack(dir.stack_file());
      if (!stack) {
        fmt::print(stderr, "foobar switchover: no stack in {} (start one with `foobar up`)\n", state_dir.string());
        return 1;
      }
      for (const auto& rec : stack->nodes)
        if (rec.role == "db-primary" || rec.role == "db-replica")
          servers.push_back({rec.name, net::Address::parse_or_throw(rec.address, net::Address::Use::Connect)});
      login = stack_db_login(load_topology((dir.root() / "topology.toml").string()), dir);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "foobar switchover: {}\n", e.what());
    return 2;
  }
  return switchover(servers, login, to);
}

}  // namespace foobar::ctl
