#include "ctl/monitoring.hpp"
#include "core/files.hpp"


#include <filesystem>

#include <fmt/format.h>

#include "net/local_ca.hpp"
#include "ctl/mariadb.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string at(const Topology& t, int port) { return fmt::format("{}:{}", t.host, port); }

std::vector<Node> database_nodes(const Topology& t) {
  std::vector<Node> out;
  for (const Node& n : nodes(t))
    if (n.role == Role::db_primary || n.role == Role::db_replica) out.push_back(n);
  return out;
}

}  // namespace

std::string monitoring_missing() {
  std::vector<std::string> missing;
  for (const char* p : {"prometheus", "prometheus-alertmanager"})
    if (!installed(p)) missing.push_back(p);
  return missing.empty() ? "" : fmt::format("{} not installed (make deps)", fmt::join(missing, " and "));
}

bool mysqld_exporters_wanted(const Topology& t) {
  return t.monitoring.enabled && !t.on_hosts() && t.db.enabled && installed("prometheus-mysqld-exporter");
}

std::string prometheus_config(const Topology& t, const MonitoringAddresses& where, const std::string& rules_file,
                              bool mysqld_exporters) {
  std::string o = fmt::format(
      "# written by foobar (src/ctl/monitoring.cpp): foobar up on every start, foobar render --monitoring\n"
      "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n  scrape_timeout: 4s\n"
      "rule_files:\n  - {}\n"
      "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{}']\n"
      "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['{}']\n",
      rules_file, where.alertmanager, where.prometheus);
  for (Role role : {Role::lb, Role::web, Role::app}) {
    std::string targets;
    for (const Node& n : nodes(t))
      if (n.role == role && n.admin.port())
        targets += fmt::format("      - targets: ['{}']\n        labels: {{node: {}}}\n", n.admin.str(), n.name);
    if (!targets.empty()) o += fmt::format("  - job_name: foobar-{}\n    static_configs:\n{}", role_name(role), targets);
  }
  if (mysqld_exporters) {
    o += "  - job_name: mysqld\n    static_configs:\n";
    const auto db = database_nodes(t);
    for (std::size_t i = 0; i < db.size(); ++i)
      o += fmt::format("      - targets: ['{}']\n        labels: {{node: {}}}\n",
                       at(t, monitoring_ports(t).mysqld_exporter + static_cast<int>(i)), db[i].name);
  }
  return o;
}

std::string alertmanager_config(const Topology& t, const fs::path& admin_token_file) {
  std::string hooks;
  for (const Node& n : nodes(t))
    if (n.role == Role::lb && n.admin.port())
      hooks += fmt::format("      - url: 'http://{}/alerts'\n        send_resolved: true\n"
                           "        http_config:\n          authorization:\n            credentials_file: '{}'\n",
                           n.admin.str(), admin_token_file.string());
  std::string o =
      "# written by foobar (src/ctl/monitoring.cpp): foobar up on every start, foobar render --monitoring\n"
      "route:\n  receiver: foobar\n  group_by: [alertname]\n  group_wait: 10s\n  group_interval: 10s\n"
      "  repeat_interval: 1h\n"
      "receivers:\n  - name: foobar\n";
  // The stack's own receiver: each lb's admin listener keeps the latest alerts
  // for `foobar status`. Email or chat receivers go beside it (docs/monitoring.md).
  if (!hooks.empty()) o += "    webhook_configs:\n" + hooks;
  return o;
}

std::vector<ChildSpec> monitoring_specs(const Topology& t, const StateDir& dir, const SitePaths& site) {
  const auto root = dir.monitoring();
  fs::create_directories(root / "prometheus");
  fs::create_directories(root / "alertmanager");
  const auto m = monitoring_ports(t);
  const bool exporters = mysqld_exporters_wanted(t);
  core::write_file_atomic(root / "prometheus.yml", prometheus_config(t, {at(t, m.prometheus), at(t, m.alertmanager)},
                                                               site.alert_rules.string(), exporters));
  core::write_file_atomic(root / "alertmanager.yml", alertmanager_config(t, dir.secret_path("admin.token")));
  auto spec = [&](const std::string& name, std::vector<std::string> argv, int port) {
    ChildSpec s;
    s.name = name;
    s.self = false;
    s.argv = std::move(argv);
    s.log = dir.log(name);
    s.pid_file = dir.pid_file(name);
    s.ready = {net::Address::parse_or_throw(at(t, port), net::Address::Use::Connect)};
    s.stop_timeout = 10s;
    return s;
  };
  std::vector<ChildSpec> specs{
      spec("prometheus",
               {"prometheus", "--config.file=" + (root / "prometheus.yml").string(),
                "--storage.tsdb.path=" + (root / "prometheus").string(), "--storage.tsdb.retention.time=7d",
                "--web.listen-address=" + at(t, m.prometheus), "--web.enable-lifecycle",
                // Firing alerts resent every 5 s (default 1 m): one dropped before
                // Alertmanager was found must not wait a minute.
                "--rules.alert.resend-delay=5s",
                // Keeps the exemplars (trace ids) of our OpenMetrics scrapes.
                "--enable-feature=exemplar-storage"},
               m.prometheus),
          // --cluster.listen-address= (empty): no gossip port on every interface.
          spec("alertmanager",
               {"prometheus-alertmanager", "--config.file=" + (root / "alertmanager.yml").string(),
                "--storage.path=" + (root / "alertmanager").string(), "--web.listen-address=" + at(t, m.alertmanager),
                "--cluster.listen-address="},
               m.alertmanager)};
  if (!exporters) return specs;
  const auto db = database_nodes(t);
  for (std::size_t i = 0; i < db.size(); ++i) {
    const int port = m.mysqld_exporter + static_cast<int>(i);
    const auto cnf = dir.secret_path(db[i].name + "-exporter.cnf");
    std::string client = fmt::format("[client]\nuser={}\npassword={}\nhost={}\nport={}\n", kExporterUser,
                                     dir.secret("exporter.password"), db[i].address.endpoint().address().to_string(),
                                     db[i].address.port());
    if (t.db_tls()) client += "ssl-ca=" + net::local_certificate_paths(dir.tls()).ca_cert.string() + "\n";
    core::write_file_atomic(cnf, client, 0600);
    specs.push_back(spec(db[i].name + "-exporter",
                         {"prometheus-mysqld-exporter", "--config.my-cnf=" + cnf.string(),
                          "--web.listen-address=" + at(t, port)},
                         port));
  }
  return specs;
}

}  // namespace foobar::ctl
