#include "ctl/monitoring.hpp"


#include <filesystem>

#include <fmt/format.h>

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string at(const Topology& t, int port) { return fmt::format("{}:{}", t.host, port); }

}  // namespace

std::string monitoring_missing() {
  std::vector<std::string> missing;
  for (const char* p : {"prometheus", "prometheus-alertmanager"})
    if (!installed(p)) missing.push_back(p);
  return missing.empty() ? "" : fmt::format("{} not installed (make deps)", fmt::join(missing, " and "));
}

std::string prometheus_config(const Topology& t, const std::string& rules_file) {
  const auto m = monitoring_ports(t);
  std::string o = fmt::format(
      "# written by foobar up (src/ctl/monitoring.cpp) on every start\n"
      "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n  scrape_timeout: 4s\n"
      "rule_files:\n  - {}\n"
      "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{}']\n"
      "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['{}']\n",
      rules_file, at(t, m.alertmanager), at(t, m.prometheus));
  for (Role role : {Role::lb, Role::web, Role::app}) {
    std::string targets;
    for (const Node& n : nodes(t))
      if (n.role == role && n.admin.port())
        targets += fmt::format("      - targets: ['{}']\n        labels: {{node: {}}}\n", n.admin.str(), n.name);
    if (!targets.empty()) o += fmt::format("  - job_name: foobar-{}\n    static_configs:\n{}", role_name(role), targets);
  }
  return o;
}

std::string alertmanager_config(const Topology& t, const fs::path& admin_token_file) {
  std::string url;
  for (const Node& n : nodes(t))
    if (n.role == Role::lb) url = fmt::format("http://{}/alerts", n.admin.str());
  std::string o =
      "# written by foobar up (src/ctl/monitoring.cpp) on every start\n"
      "route:\n  receiver: foobar\n  group_by: [alertname]\n  group_wait: 10s\n  group_interval: 10s\n"
      "  repeat_interval: 1h\n"
      "receivers:\n  - name: foobar\n";
  // The stack's own receiver: the lb's admin listener keeps the latest alerts
  // for `foobar status`. Email or chat receivers go beside it (docs/monitoring.md).
  if (!url.empty())
    o += fmt::format("    webhook_configs:\n      - url: '{}'\n        send_resolved: true\n"
                     "        http_config:\n          authorization:\n            credentials_file: '{}'\n",
                     url, admin_token_file.string());
  return o;
}

std::vector<ChildSpec> monitoring_specs(const Topology& t, const StateDir& dir, const SitePaths& site) {
  const auto root = dir.monitoring();
  fs::create_directories(root / "prometheus");
  fs::create_directories(root / "alertmanager");
  const auto m = monitoring_ports(t);
  write_file_atomic(root / "prometheus.yml", prometheus_config(t, site.alert_rules.string()));
  write_file_atomic(root / "alertmanager.yml", alertmanager_config(t, dir.secret_path("admin.token")));
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
  return {spec("prometheus",
               {"prometheus", "--config.file=" + (root / "prometheus.yml").string(),
                "--storage.tsdb.path=" + (root / "prometheus").string(), "--storage.tsdb.retention.time=7d",
                "--web.listen-address=" + at(t, m.prometheus), "--web.enable-lifecycle",
                // Firing alerts resent every 5 s (default 1 m): one dropped before
                // Alertmanager was found must not wait a minute.
                "--rules.alert.resend-delay=5s"},
               m.prometheus),
          // --cluster.listen-address= (empty): no gossip port on every interface.
          spec("alertmanager",
               {"prometheus-alertmanager", "--config.file=" + (root / "alertmanager.yml").string(),
                "--storage.path=" + (root / "alertmanager").string(), "--web.listen-address=" + at(t, m.alertmanager),
                "--cluster.listen-address="},
               m.alertmanager)};
}

}  // namespace foobar::ctl
