#include "ctl/roles.hpp"

#include <unistd.h>

#include <stdexcept>

#include <fmt/format.h>

#include "net/local_ca.hpp"
#include "ctl/monitoring.hpp"
#include "lb/lb_config.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
fs::path exe_dir() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : p.parent_path();
}

std::string join_nodes(const Topology& topo, Role role) {
  std::string out;
  for (const Node& n : nodes(topo))
    if (n.role == role) out += (out.empty() ? "" : ",") + n.address.str();
  return out;
}
}  // namespace

fs::path alert_rules_beside(const fs::path& site) {
  for (const char* rel : {"deploy/prometheus/foobar.rules.yml", "prometheus/foobar.rules.yml"})
    if (fs::exists(site.parent_path() / rel)) return site.parent_path() / rel;
  return {};
}

SitePaths find_site(const Topology& topo) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("FOOBAR_SITE_DIR")) candidates.emplace_back(env);
  fs::path exe = exe_dir();
  for (const char* rel : {"../site", "../../site", "../share/foobar/site", "site"}) candidates.push_back(exe / rel);
  candidates.push_back(fs::current_path() / "site");
  fs::path site;
  for (auto& c : candidates)
    if (fs::is_directory(c / "public")) {
      site = fs::canonical(c);
      break;
    }
  SitePaths out;
  out.root = topo.web.root.empty() ? (site.empty() ? fs::path() : site / "public") : fs::path(topo.web.root);
  out.schema = topo.db.schema.empty() ? (site.empty() ? fs::path() : site / "schema.sql") : fs::path(topo.db.schema);
  if (!site.empty()) out.alert_rules = alert_rules_beside(site);
  if (topo.web.count > 0 && (out.root.empty() || !fs::is_directory(out.root))) {
    std::string tried;
    for (auto& c : candidates) tried += "\n  " + (c / "public").lexically_normal().string();
    throw std::runtime_error(
        topo.web.root.empty()
            ? "cannot find the site's static files; set web.root in the config or FOOBAR_SITE_DIR; tried:" + tried
            : fmt::format("web.root {} is not a directory", topo.web.root));
  }
  return out;
}

std::vector<std::string> acme_flags(const LbAcme& acme, const std::filesystem::path& dir) {
  std::vector<std::string> a{"--acme-directory", acme.directory, "--acme-dir", dir.string()};
  for (const auto& d : acme.domains) a.insert(a.end(), {"--acme-domain", d});
  if (!acme.email.empty()) a.insert(a.end(), {"--acme-email", acme.email});
  if (!acme.ca.empty()) a.insert(a.end(), {"--acme-ca", acme.ca});
  return a;
}

ChildSpec role_spec(const Topology& topo, const Node& node, const StateDir& dir, const SitePaths& site) {
  ChildSpec s;
  s.name = node.name;
  s.self = true;
  s.log = dir.log(node.name);
  s.pid_file = dir.pid_file(node.name);
  s.ready = {node.address};
  s.stop_timeout = 15s;  // roles finish in-flight requests within 10 s by default
  auto& a = s.argv;
  dir.secret("admin.token");  // made on first use, like the passwords
  const std::vector<std::string> admin{"--admin", node.admin.str(), "--admin-token-file",
                                       dir.secret_path("admin.token").string()};
  // Re-encryption: the tier behind serves TLS only, with the local CA's
  // certificate (it names topo.host), and the proxy in front verifies it.
  const auto local = net::local_certificate_paths(dir.tls());
  auto listen = [&](bool tls) -> std::vector<std::string> {
    if (!tls) return {"--listen", node.address.str()};
    return {"--listen-tls", node.address.str(), "--tls-only", "--tls-cert", local.server_cert.string(), "--tls-key",
            local.server_key.string(), "--hsts-max-age", "0"};
  };
  auto verify = [&](bool tls, std::vector<std::string>& argv) {
    if (tls) argv.insert(argv.end(), {"--backend-tls", "--backend-tls-ca", local.ca_cert.string()});
  };
  switch (node.role) {
    case Role::lb:
      a = {"foobar", "lb", "--listen", node.address.str(), "--balance", topo.lb.balance,
           "--health-check", topo.lb.health_check, "--health-interval-ms", std::to_string(topo.lb.health_interval_ms),
           "--rise", std::to_string(topo.lb.rise), "--fall", std::to_string(topo.lb.fall), "--threads",
           std::to_string(topo.lb.threads)};
      a.insert(a.end(), admin.begin(), admin.end());
      for (const auto& f : lb::client_limit_flags(topo.lb.client_limits)) a.push_back(f);
      for (const Node& n : nodes(topo))
        if (n.role == Role::web) a.insert(a.end(), {"--backend", n.address.str()});
      verify(topo.lb.backend_tls, a);
      s.ready.push_back(node.admin);
      if (topo.monitoring.enabled && monitoring_missing().empty())  // the admin listener's /dashboard
        a.insert(a.end(), {"--prometheus", fmt::format("{}:{}", topo.host, monitoring_ports(topo).prometheus)});
      if (topo.lb.https) {
        a.insert(a.end(), {"--listen-tls", topo.lb.https_listen.str(), "--tls-ticket-keys",
                           (dir.tls() / "ticket-keys").string()});
        if (topo.lb.acme.on()) {
          for (const auto& f : acme_flags(topo.lb.acme, dir.tls() / "acme")) a.push_back(f);
        } else {
          a.insert(a.end(), {"--tls-cert", topo.lb.tls_cert.empty() ? local.server_cert.string() : topo.lb.tls_cert,
                             "--tls-key", topo.lb.tls_key.empty() ? local.server_key.string() : topo.lb.tls_key});
        }
        // No HSTS for the local CA's certificate: browsers would keep forcing
        // https on every localhost port, for two years.
        if (topo.lb.tls_cert.empty() && !topo.lb.acme.on()) a.insert(a.end(), {"--hsts-max-age", "0"});
        s.ready.push_back(topo.lb.https_listen.local_target());
      }
      break;
    case Role::web:
      a = {"foobar", "web", "--root", site.root.string(), "--threads", std::to_string(topo.web.threads), "--access-log",
           topo.web.access_log ? dir.logs().string() + "/" + node.name + ".access.log" : "off"};
      for (const auto& f : listen(topo.lb.backend_tls)) a.push_back(f);
      if (topo.app.count > 0) a.insert(a.end(), {"--proxy", "/api/=" + join_nodes(topo, Role::app)});
      verify(topo.web.backend_tls, a);
      for (const Node& n : nodes(topo))  // the app sees the client the lb saw
        if (n.role == Role::lb) a.insert(a.end(), {"--trusted-proxy", n.admin.host()});
      a.insert(a.end(), admin.begin(), admin.end());
      s.ready.push_back(node.admin);
      break;
    case Role::app: {
      a = {"foobar", "app", "--threads", std::to_string(topo.app.threads),
           "--db-name", topo.db.name, "--db-user", topo.db.app_user, "--db-password-file",
           dir.secret_path("app.password").string(), "--db-monitor-user", topo.db.monitor_user,
           "--db-monitor-password-file", dir.secret_path("monitor.password").string(), "--max-replica-lag",
           fmt::format("{}", topo.app.max_replica_lag), "--access-log",
           topo.app.access_log ? dir.logs().string() + "/" + node.name + ".access.log" : "off"};
      for (const Node& n : nodes(topo)) {
        if (n.role == Role::db_primary) a.insert(a.end(), {"--db-primary", n.address.str()});
        if (n.role == Role::db_replica) a.insert(a.end(), {"--db-replica", n.address.str()});
      }
      for (const auto& f : listen(topo.web.backend_tls)) a.push_back(f);
      if (topo.db_tls()) a.insert(a.end(), {"--db-tls-ca", local.ca_cert.string()});
      a.insert(a.end(), admin.begin(), admin.end());
      s.ready.push_back(node.admin);
      break;
    }
    case Role::db_primary:
    case Role::db_replica:
      throw std::logic_error("database nodes are started by the MariaDB bootstrap");
  }
  return s;
}

}  // namespace foobar::ctl
