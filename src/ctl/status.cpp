#include "ctl/status.hpp"

#include <signal.h>

#include <chrono>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ctl/database.hpp"
#include "ctl/http_probe.hpp"
#include "ctl/render.hpp"
#include "ctl/state_dir.hpp"
#include "ctl/supervisor.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A node's address as the stack file records it ("" or garbage: port 0, never reachable).
net::Address address_of(const std::string& text) {
  return net::Address::parse(text, net::Address::Use::Listen).value_or(net::Address());
}

// The requests a role says it answered: foobar_http_requests_total from its /metrics.
std::optional<long long> requests_served(const std::string& admin) {
  auto r = http_probe(address_of(admin), "/metrics", 1500ms);
  if (r.status != 200) return std::nullopt;
  std::istringstream in(r.body);
  std::string line;
  std::optional<long long> total;
  constexpr std::string_view name = "foobar_http_requests_total";
  while (std::getline(in, line)) {
    if (!line.starts_with(name) || (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' '))
      continue;
    auto value = line.rfind(' ');
    if (value != std::string::npos) total = total.value_or(0) + std::atoll(line.c_str() + value + 1);
  }
  return total;
}

std::string uptime_text(long long s) {
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  return fmt::format("{}d{:02}h", s / 86400, s / 3600 % 24);
}

// Which server is primary (the writable one: a failover may have moved it),
// and replicas are caught up when running, 0 s behind, at the primary's position.
void classify_db(StackStatus& out) {
  std::vector<DbNodeStatus*> dbs;
  for (auto& ns : out.nodes)
    if (ns.db && ns.db->reachable) dbs.push_back(&*ns.db);
  classify_db_nodes(dbs);
  std::string primary_gtid;
  for (auto* d : dbs)
    if (d->role == "primary") primary_gtid = d->gtid_current_pos;
  for (auto& ns : out.nodes)
    if (ns.db && ns.db->role == "replica")
      ns.caught_up = ns.db->io_running && ns.db->sql_running && ns.db->seconds_behind == 0L &&
                     ns.db->gtid_current_pos == primary_gtid;
}

}  // namespace

StackStatus collect_hosts_status(const Topology& topo, const fs::path& secrets) {
  StackStatus out;
  out.state_dir = topo.source;
  out.running = true;
  out.stack.up_pid = -1;  // no `foobar up`: each host's systemd runs its roles
  out.all_up = true;
  if (!topo.lb.vip.empty()) out.stack.url = "http://" + topo.vip_address() + "/";
  const DbLogin login = hosts_db_login(topo, secrets);
  for (const Node& n : nodes(topo)) {
    NodeStatus ns;
    ns.rec = {n.name + "@" + n.host, std::string(role_name(n.role)), n.address.str(),
              n.admin.port() ? n.admin.str() : "", 0, "", 0, 0, ""};
    // From the monitoring host the firewall admits the admin listeners, not the
    // roles' own (only the tier in front reaches those).
    ns.up = tcp_accepts(n.admin.port() ? n.admin : n.address, 1000ms);
    ns.rec.state = ns.up ? "up" : "down";
    if (ns.up && n.admin.port()) ns.requests = requests_served(ns.rec.admin);
    if (ns.up && (n.role == Role::db_primary || n.role == Role::db_replica))
      ns.db = query_db_status(n.address, login);
    out.all_up = out.all_up && ns.up;
    out.nodes.push_back(std::move(ns));
  }
  classify_db(out);
  return out;
}

StackStatus collect_status(const fs::path& state_dir, bool with_db) {
  StackStatus out;
  StateDir dir(state_dir);
  out.state_dir = dir.root().string();
  auto stack = read_stack(dir.stack_file());
  if (!stack) return out;
  out.stack = *stack;
  out.running = StateDir::owner(dir.root()) != 0;

  std::optional<Topology> topo;
  try {
    topo = load_topology((dir.root() / "topology.toml").string());
  } catch (const std::exception&) {
  }

  auto now = std::chrono::system_clock::now().time_since_epoch() / 1s;

  out.all_up = out.running;
  for (const auto& rec : stack->nodes) {
    NodeStatus ns;
    ns.rec = rec;
    bool alive = out.running && rec.pid > 0 && ::kill(rec.pid, 0) == 0;
    ns.up = alive && tcp_accepts(address_of(rec.address), 500ms);
    if (!ns.up) ns.rec.state = alive ? (rec.state == "up" ? "not accepting" : rec.state) : "down";
    if (ns.up) ns.uptime_s = rec.started ? now - rec.started : 0;
    if (ns.up && !rec.admin.empty()) ns.requests = requests_served(rec.admin);
    if (ns.up && rec.role == "lb" && !rec.admin.empty())
      if (auto a = http_probe(address_of(rec.admin), "/alerts", 1500ms); a.status == 200) out.alerts_json = a.body;
    if (with_db && ns.up && topo && (rec.role == "db-primary" || rec.role == "db-replica"))
      ns.db = query_db_status(address_of(rec.address), stack_db_login(*topo, dir));
    if (!ns.up || ns.rec.state == "crashing") out.all_up = false;
    out.nodes.push_back(std::move(ns));
  }
  classify_db(out);
  return out;
}

namespace {
// "Watchdog, BackendDown (10.0.0.21:8080)" from the lb's /alerts.
std::string alert_names(const std::string& alerts_json) {
  auto j = nlohmann::json::parse(alerts_json, nullptr, false);
  if (j.is_discarded() || !j.contains("alerts")) return "";
  std::string out;
  for (const auto& a : j["alerts"]) out += (out.empty() ? "" : ", ") + a.value("name", std::string("?"));
  return out.empty() ? "none" : out;
}
}  // namespace

std::string render_table(const StackStatus& s) {
  if (s.stack.up_pid == 0) return fmt::format("no stack in {} (start one with `foobar up`)\n", s.state_dir);
  std::string o;
  o += fmt::format("stack in {}: {}{}{}\n", s.state_dir,
                   !s.running              ? "not running"
                   : s.stack.up_pid < 0    ? "on hosts (each asked over the network)"
                                           : fmt::format("running (foobar up pid {})", s.stack.up_pid),
                   s.running && !s.stack.url.empty() ? ", site " + s.stack.url : "",
                   s.running && !s.stack.https_url.empty() ? " and " + s.stack.https_url : "");
  o += fmt::format("{:<16} {:<11} {:<21} {:>8} {:<13} {:>8} {:>9} {:>8}  {}\n", "NODE", "ROLE", "ADDRESS", "PID",
                   "STATE", "UPTIME", "REQUESTS", "RESTARTS", "DATABASE");
  for (const auto& n : s.nodes) {
    std::string db;
    if (n.db) {
      if (!n.db->reachable)
        db = "unreachable: " + n.db->error;
      else if (n.db->role == "quarantined")
        db = "QUARANTINED: " + n.db->quarantine;
      else if (n.db->role == "replica")
        db = fmt::format("replica of {}, replication {}, {} behind, gtid {}",
                         n.db->health.master.empty() ? "-" : n.db->health.master,
                         n.db->io_running && n.db->sql_running ? "running" : "STOPPED",
                         n.db->seconds_behind ? fmt::format("{} s", *n.db->seconds_behind) : "? s",
                         n.db->gtid_current_pos.empty() ? "-" : n.db->gtid_current_pos);
      else
        db = fmt::format("primary{}, gtid {}",
                         n.db->health.semi_sync_master
                             ? fmt::format(" (semi-sync, {} replica(s) acknowledging)",
                                           n.db->health.semi_sync_clients.value_or(0))
                             : "",
                         n.db->gtid_current_pos.empty() ? "-" : n.db->gtid_current_pos);
    }
    std::string state = n.up ? n.rec.state : n.rec.state.empty() ? "down" : n.rec.state;
    if (n.rec.state == "crashing" || (!n.up && n.rec.restarts > 0 && !n.rec.last_exit.empty()))
      state += " (" + n.rec.last_exit + ")";
    // pid and uptime are known for `foobar up`'s own children only (not on hosts).
    const bool known = n.up && n.rec.pid > 0;
    o += fmt::format("{:<16} {:<11} {:<21} {:>8} {:<13} {:>8} {:>9} {:>8}  {}\n", n.rec.name, n.rec.role,
                     n.rec.address, known ? std::to_string(n.rec.pid) : "-", state,
                     known ? uptime_text(n.uptime_s) : "-", n.requests ? std::to_string(*n.requests) : "-",
                     n.rec.restarts, db);
  }
  if (!s.stack.prometheus_url.empty())
    o += fmt::format("monitoring: Prometheus {}, Alertmanager {}{}\n", s.stack.prometheus_url, s.stack.alertmanager_url,
                     s.stack.dashboard_url.empty() ? "" : ", dashboard " + s.stack.dashboard_url);
  if (!s.alerts_json.empty()) o += fmt::format("alerts firing: {}\n", alert_names(s.alerts_json));
  return o;
}

std::string render_json(const StackStatus& s) {
  using nlohmann::json;
  json nodes = json::array();
  for (const auto& n : s.nodes) {
    json j = {{"name", n.rec.name},         {"role", n.rec.role},     {"address", n.rec.address},
              {"pid", n.up ? n.rec.pid : 0}, {"state", n.rec.state},   {"up", n.up},
              {"uptime_s", n.uptime_s},      {"restarts", n.rec.restarts}, {"last_exit", n.rec.last_exit},
              {"requests", n.requests ? json(*n.requests) : json(nullptr)}};
    if (!n.rec.admin.empty()) {
      j["admin"] = n.rec.admin;
      j["metrics_url"] = "http://" + n.rec.admin + "/metrics";
    }
    if (n.db) {
      json d = {{"reachable", n.db->reachable}, {"gtid_current_pos", n.db->gtid_current_pos},
                {"read_only", n.db->read_only}, {"role", n.db->role}};
      if (!n.db->quarantine.empty()) d["quarantined"] = n.db->quarantine;
      if (!n.db->health.master.empty()) d["replicates_from"] = n.db->health.master;
      if (n.db->role == "primary") {
        d["semi_sync"] = n.db->health.semi_sync_master;
        if (n.db->health.semi_sync_clients) d["semi_sync_clients"] = *n.db->health.semi_sync_clients;
      }
      if (!n.db->error.empty()) d["error"] = n.db->error;
      if (n.db->role != "primary" && n.db->is_replica) {
        d["replication_running"] = n.db->io_running && n.db->sql_running;
        d["io_running"] = n.db->io_running;
        d["sql_running"] = n.db->sql_running;
        d["seconds_behind"] = n.db->seconds_behind ? json(*n.db->seconds_behind) : json(nullptr);
        d["gtid_io_pos"] = n.db->gtid_io_pos;
        d["caught_up"] = n.caught_up;
        if (!n.db->last_error.empty()) d["last_error"] = n.db->last_error;
      }
      j["db"] = d;
    }
    nodes.push_back(j);
  }
  json j = {{"state_dir", s.state_dir}, {"running", s.running}, {"all_up", s.all_up},
            {"up_pid", s.running ? s.stack.up_pid : 0}, {"url", s.stack.url}, {"https_url", s.stack.https_url},
            {"prometheus_url", s.stack.prometheus_url}, {"alertmanager_url", s.stack.alertmanager_url},
            {"dashboard_url", s.stack.dashboard_url}, {"nodes", nodes}};
  if (auto a = nlohmann::json::parse(s.alerts_json, nullptr, false); !a.is_discarded() && a.contains("alerts"))
    j["alerts"] = a["alerts"];
  return j.dump(2) + "\n";
}

int run_status(const fs::path& state_dir, bool json) {
  StackStatus s = collect_status(state_dir);
  fmt::print("{}", json ? render_json(s) : render_table(s));
  return s.all_up ? 0 : 1;
}

int run_hosts_status(const std::string& config, const fs::path& secrets, bool json) {
  Topology topo;
  try {
    topo = load_topology(config);
    if (!topo.on_hosts()) throw ConfigError(config + ": no [[host]] entries (for `foobar up`'s stack: --state-dir)");
  } catch (const ConfigError& e) {
    fmt::print(stderr, "foobar status: {}\n", e.what());
    return 2;
  }
  StackStatus s = collect_hosts_status(topo, secrets.empty() ? default_secrets_dir(config) : secrets);
  fmt::print("{}", json ? render_json(s) : render_table(s));
  return s.all_up ? 0 : 1;
}

}  // namespace foobar::ctl
