#include "ctl/database.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <stdexcept>

#include <fmt/format.h>

#include "net/local_ca.hpp"
#include "ctl/mariadb.hpp"
#include "ctl/monitoring.hpp"
#include "db/roles.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
// Runs fn as one progress step; a failure prints its line and rethrows.
template <class Fn>
void step(Progress& progress, const std::string& name, Fn fn) {
  progress.begin(name);
  try {
    std::string detail = fn();
    progress.ok(detail);
  } catch (const std::exception& e) {
    progress.failed();
    throw;
  }
}
}  // namespace

std::string mariadb_missing() {
  for (const char* prog : {"mariadbd", "mariadb-install-db"})
    if (!installed(prog))
      return std::string(prog) +
             " is not installed: run `make deps` (it installs Debian's mariadb-server), then `foobar up` again";
  return "";
}

std::vector<std::pair<Node, MariadbInstance>> database_instances(const Topology& topo, const StateDir& dir) {
  std::vector<std::pair<Node, MariadbInstance>> db;
  for (const Node& n : nodes(topo)) {
    if (n.role != Role::db_primary && n.role != Role::db_replica) continue;
    MariadbInstance inst;
    inst.dir = dir.db() / n.name;
    inst.host = n.address.host();
    inst.port = n.address.port();
    inst.server_id = n.role == Role::db_primary ? 1u : 1u + static_cast<unsigned>(n.index);
    if (topo.db_tls()) {
      const auto local = net::local_certificate_paths(dir.tls());  // up makes them before the servers start
      inst.tls = MariadbInstance::Tls{local.server_cert, local.server_key, local.ca_cert};
    }
    db.emplace_back(n, inst);
  }
  return db;
}

DbLogin stack_db_login(const Topology& topo, const StateDir& dir) {
  return {topo.db.monitor_user, read_secret(dir.secret_path("monitor.password")),
          topo.db_tls() ? net::local_certificate_paths(dir.tls()).ca_cert.string() : ""};
}

DbLogin hosts_db_login(const Topology& topo, const fs::path& secrets) {
  return {topo.db.monitor_user, read_secret(secrets / "monitor.password"),
          topo.db_tls() ? net::local_certificate_paths(secrets / "tls").ca_cert.string() : ""};
}

void reload_database_certificates(const Topology& topo, const StateDir& dir) {
  for (const auto& [node, inst] : database_instances(topo, dir)) admin_query(inst, "FLUSH SSL");
}

void start_database(const Topology& topo, const StateDir& dir, const SitePaths& site, Supervisor& sup,
                    Progress& progress, const std::function<bool()>& interrupted) {
  auto db = database_instances(topo, dir);
  if (db.empty()) return;
  if (site.schema.empty() || !fs::exists(site.schema))
    throw std::runtime_error(fmt::format("the schema file {} does not exist; set db.schema in the config",
                                         site.schema.empty() ? "site/schema.sql" : site.schema.string()));

  // mariadb-install-db takes seconds per instance: the instances initialize side by side.
  std::string fresh, reused;
  for (auto& [node, inst] : db) {
    std::string& list = fs::exists(inst.datadir() / "mysql") ? reused : fresh;
    list += (list.empty() ? "" : ", ") + node.name;
  }
  step(progress,
       fresh.empty() ? "configure the database nodes" : "initialize DB data dirs (mariadb-install-db)",
       [&] {
         std::vector<std::future<void>> jobs;
         for (auto& entry : db) {
           const MariadbInstance& inst = entry.second;
           jobs.push_back(std::async(std::launch::async, [&inst] { initialize(inst); }));
         }
         for (auto& j : jobs) j.wait();
         for (auto& j : jobs) j.get();  // the first failure, after every job has finished
         return fresh.empty() ? "existing data reused" : reused.empty() ? "new: " + fresh
                                                                       : "new: " + fresh + "; reused: " + reused;
       });

  // Every mariadbd is a supervised child like the roles: logs, pid file, restarts.
  for (auto& [node, inst] : db) {
    ChildSpec spec;
    spec.name = node.name;
    spec.argv = mariadbd_command(inst);
    spec.self = false;
    spec.log = dir.log(node.name);
    spec.pid_file = dir.pid_file(node.name);
    spec.ready = {node.address};
    spec.stop_timeout = 30s;
    sup.start(spec);
  }
  for (auto& [node, inst] : db) {
    step(progress, fmt::format("start {} on {}", node.name, node.address.str()), [&, &node = node, &inst = inst] {
      std::string why = sup.wait_ready(node.name, 60s, interrupted);
      if (!why.empty()) throw std::runtime_error(fmt::format("{} (see {})", why, dir.log(node.name).string()));
      wait_ready(inst, 30s);
      for (auto& s : sup.status())
        if (s.name == node.name) return fmt::format("pid {}", s.pid);
      return std::string();
    });
  }

  ClusterAccounts accounts;
  accounts.database = topo.db.name;
  accounts.app = {topo.db.app_user, dir.secret("app.password")};
  accounts.replication = {topo.db.replication_user, dir.secret("replication.password")};
  accounts.monitor = {topo.db.monitor_user, dir.secret("monitor.password")};
  if (mysqld_exporters_wanted(topo)) accounts.exporter = Account{kExporterUser, dir.secret("exporter.password")};
  accounts.connect_from({topo.host});  // every role binds it, so every connection comes from it

  // Every server starts read-only. On first run db-primary is the primary; on
  // later runs, the server that was primary last (the app's failover may have
  // moved it): pointed at itself, holding everything the others hold.
  std::size_t primary_at = 0;
  std::vector<std::string> kept_out(db.size());
  step(progress, "find the primary", [&] {
    std::vector<db::ServerHealth> seen(db.size());
    for (std::size_t i = 0; i < db.size(); ++i) {
      auto h = history(db[i].second);
      seen[i].server = db[i].first.address.str();
      seen[i].gtid_binlog_pos = h.binlog_pos;
      seen[i].gtid_binlog_state = h.binlog_state;
      seen[i].master = h.master;
    }
    std::string why;
    auto holds_all = [&](std::size_t i) {
      return std::all_of(seen.begin(), seen.end(), [&](const auto& o) { return db::history_included(o, seen[i], why); });
    };
    bool found = false;
    for (std::size_t i = 0; i < db.size() && !found; ++i)
      if (seen[i].master == seen[i].server && holds_all(i)) primary_at = i, found = true;
    for (std::size_t i = 0; i < db.size(); ++i)
      if (i != primary_at && !db::history_included(seen[i], seen[primary_at], why)) kept_out[i] = why;
    return db[primary_at].first.name + (primary_at == 0 ? "" : " (promoted by a failover)");
  });
  const MariadbInstance& primary = db[primary_at].second;
  step(progress, "create users, apply " + site.schema.filename().string(), [&] {
    setup_primary(primary, accounts, site.schema);
    return fmt::format("database {}, passwords in {}", topo.db.name, dir.secrets().string());
  });
  for (std::size_t i = 0; i < db.size(); ++i) {
    if (i == primary_at) continue;
    auto& [node, inst] = db[i];
    step(progress, fmt::format("start GTID replication on {}", node.name), [&, &inst = inst] {
      // Kept out (quarantined): the app's failover leader reports it; nothing of it replicates.
      if (!kept_out[i].empty()) return "not started, quarantined: " + kept_out[i];
      setup_replica(inst, primary, accounts.replication);
      return std::string();
    });
  }
  for (std::size_t i = 0; i < db.size(); ++i) {
    if (i == primary_at || !kept_out[i].empty()) continue;
    auto& [node, inst] = db[i];
    step(progress, fmt::format("wait for {} to catch up", node.name), [&, &inst = inst] {
      wait_caught_up(inst, primary, std::chrono::seconds(topo.db.catch_up_timeout_s));
      return std::string();
    });
  }
  // Semi-sync needs a replica to acknowledge; a lone server cannot promise more than its own disk.
  const bool semi_sync = db.size() > 1;
  step(progress, fmt::format("open {} for writes{}", db[primary_at].first.name, semi_sync ? " (semi-synchronous)" : ""), [&] {
    open_for_writes(primary, accounts.replication, semi_sync);
    return std::string();
  });
}

}  // namespace foobar::ctl
