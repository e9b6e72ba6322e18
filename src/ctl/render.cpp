#include "ctl/render.hpp"
#include "core/files.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <algorithm>

#include <fmt/format.h>

#include "ctl/firewall.hpp"
#include "ctl/keepalived.hpp"
#include "net/local_ca.hpp"
#include "ctl/mariadb.hpp"
#include "ctl/monitoring.hpp"
#include "ctl/roles.hpp"
#include "ctl/state_dir.hpp"
#include "lb/lb_config.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One host's render: where its files live, and what it runs.
class HostRender {
 public:
  HostRender(const Topology& t, const Host& host, const RenderOptions& o, fs::path secrets)
      : t_(t), host_(host), o_(o), secrets_(std::move(secrets)) {
    for (const Node& n : nodes(t))
      if (n.host == host.name) mine_.push_back(n);
  }

  std::vector<RenderedFile> files() {
    add("etc/foobar/topology.toml", slurp(t_.source));
    add("etc/foobar/foobar.nft", nft_ruleset(t_, host_));
    add("etc/systemd/system/foobar-firewall.service", firewall_unit());
    for (const Node& n : mine_) {
      switch (n.role) {
        case Role::lb: lb(n); break;
        case Role::web: web(n); break;
        case Role::app: app(n); break;
        case Role::db_primary:
        case Role::db_replica: db(n); break;
      }
    }
    return std::move(files_);
  }

 private:
  // A path on the host (prefix applied).
  std::string on_host(const std::string& rel) const { return (o_.prefix / rel).lexically_normal().string(); }
  std::string header(const char* comment) const {
    return fmt::format("{} rendered by `foobar render` from {} for host {}: re-render, do not edit.\n", comment,
                       t_.source, host_.name);
  }
  void add(std::string rel, std::string text, unsigned mode = 0644) {
    files_.push_back({std::move(rel), std::move(text), mode});
  }
  // For a file that several of the host's roles need.
  void add_once(std::string rel, std::string text, unsigned mode = 0644) {
    if (std::none_of(files_.begin(), files_.end(), [&](const auto& f) { return f.path == rel; }))
      add(std::move(rel), std::move(text), mode);
  }
  // The CA in the secrets dir's tls/ (it signs the lb's certificate and every
  // server's), sent to the host; its path there.
  std::string ca_file() {
    add_once("etc/foobar/tls/ca.pem", slurp(net::ensure_local_ca(secrets_ / "tls")));
    return on_host("etc/foobar/tls/ca.pem");
  }
  // A certificate from that CA for n's address (the secrets' tls/<kind>-<host>.pem),
  // sent as etc/foobar/tls/<kind>.pem with its key (0600), which reaches the
  // server as the systemd credential <kind>-key.pem. Returns the certificate's path.
  std::string server_certificate(const std::string& kind, const Node& n, std::vector<std::string>& service) {
    ca_file();
    const std::vector<std::string> names{n.address.host()};
    const auto c = net::ensure_local_certificates(secrets_ / "tls", names, std::chrono::days(30), kind + "-" + host_.name);
    const std::string cert = "etc/foobar/tls/" + kind + ".pem", key = "etc/foobar/tls/" + kind + "-key.pem";
    add(cert, slurp(c.server_cert));
    add(key, slurp(c.server_key), 0600);
    service.push_back(fmt::format("LoadCredential={}-key.pem:{}", kind, on_host(key)));
    return on_host(cert);
  }
  // A tier behind a re-encrypting proxy serves TLS only, at its address.
  std::string tls_only_flags(const std::string& kind, const Node& n, std::vector<std::string>& service) {
    return fmt::format(" --listen-tls {} --tls-only --tls-cert {} --tls-key %d/{}-key.pem --hsts-max-age 0",
                       n.address.str(), server_certificate(kind, n, service), kind);
  }
  // The proxy's keys that verify that tier (lb.toml, web.toml).
  std::string backend_tls_keys() { return fmt::format("backend_tls = true\nbackend_tls_ca = {}\n", toml_quote(ca_file())); }
  std::string secret(const std::string& name) const { return secret_file(secrets_ / name); }
  std::vector<std::string> addresses(Role role) const {
    std::vector<std::string> out;
    for (const Node& n : nodes(t_))
      if (n.role == role) out.push_back(n.address.str());
    return out;
  }

  // The addresses of the hosts that run any of these roles.
  std::vector<std::string> host_addresses(std::initializer_list<Role> roles) const {
    std::vector<std::string> out;
    for (const auto& h : t_.hosts)
      if (std::any_of(roles.begin(), roles.end(), [&](Role r) { return h.runs(r); })) out.push_back(h.address);
    return out;
  }

  struct Unit {
    std::string name, description, exec;
    std::vector<std::string> service;  // extra [Service] lines
    bool low_port = false;             // binds a port below 1024
  };
  // A role's unit: Type=notify (the role says READY=1 once listening), restarted
  // on failure, its own user, and only what it needs of the system. Its admin
  // listener, reachable from the monitoring hosts, takes changes only with the
  // host's admin token (a systemd credential, like every secret).
  void role_unit(Unit u) {
    const auto token = "etc/foobar/secrets/admin.token";
    add_once(token, secret("admin.token"), 0600);
    u.exec += " --admin-token-file %d/admin.token";
    u.service.push_back("LoadCredential=admin.token:" + on_host(token));
    std::string s = header("#");
    s += fmt::format(
        "[Unit]\n"
        "Description={}\n"
        "Documentation=man:foobar(1) file:/usr/share/doc/foobar/deploy.md\n"
        "After=network-online.target foobar-firewall.service\n"
        "Wants=network-online.target\n"
        "Requires=foobar-firewall.service\n"
        "StartLimitIntervalSec=0\n\n"
        "[Service]\n"
        "Type=notify\n"
        "ExecStart={}\n"
        "ExecReload=/bin/kill -HUP $MAINPID\n"
        "Restart=on-failure\n"
        "RestartSec=250ms\n"
        "User=foobar\n"
        "Group=foobar\n"
        "LimitNOFILE=1048576\n",
        u.description, u.exec);
    for (const auto& l : u.service) s += l + "\n";
    s += u.low_port ? "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"
                    : "CapabilityBoundingSet=\n";
    s += "NoNewPrivileges=yes\n"
         "ProtectSystem=strict\n"
         "ProtectHome=yes\n"
         "PrivateTmp=yes\n"
         "PrivateDevices=yes\n"
         "ProtectKernelTunables=yes\n"
         "ProtectKernelModules=yes\n"
         "ProtectControlGroups=yes\n"
         "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n"
         "RestrictNamespaces=yes\n"
         "LockPersonality=yes\n"
         "SystemCallArchitectures=native\n\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
    add("etc/systemd/system/" + u.name + ".service", s);
  }

  std::string firewall_unit() const {
    const auto nft = on_host("etc/foobar/foobar.nft");
    return header("#") + fmt::format(
                             "[Unit]\n"
                             "Description=foobar firewall (nftables table inet foobar)\n"
                             "DefaultDependencies=no\n"
                             "After=nftables.service\n"
                             "Before=network-pre.target\n"
                             "Wants=network-pre.target\n\n"
                             "[Service]\n"
                             "Type=oneshot\n"
                             "RemainAfterExit=yes\n"
                             "ExecStart=/usr/sbin/nft -f {}\n"
                             "ExecReload=/usr/sbin/nft -f {}\n"
                             "ExecStop=/usr/sbin/nft delete table inet foobar\n\n"
                             "[Install]\n"
                             "WantedBy=sysinit.target\n",
                             nft, nft);
  }

  std::string common_keys(const Node& n, const std::string& listen) const {
    return fmt::format("listen = {}\nadmin = {}\n", toml_quote(listen), toml_quote(n.admin.str()));
  }

  void lb(const Node& n) {
    const auto& s = t_.lb;
    std::string c = header("#") + "[lb]\n" + common_keys(n, s.listen.str());
    c += fmt::format("balance = {}\nhealth_check = {}\nhealth_interval_ms = {}\nrise = {}\nfall = {}\nthreads = {}\n",
                     toml_quote(s.balance), toml_quote(s.health_check), s.health_interval_ms, s.rise, s.fall, s.threads);
    c += client_limits_toml(s.client_limits);
    if (s.backend_tls) c += backend_tls_keys();
    for (const auto& b : addresses(Role::web)) c += fmt::format("\n[[lb.backends]]\naddress = {}\n", toml_quote(b));
    add("etc/foobar/lb.toml", c);
    std::string exec = fmt::format("{} lb --config {}", o_.binary.string(), on_host("etc/foobar/lb.toml"));
    std::vector<std::string> service{"StateDirectory=foobar/lb"};
    if (s.https) {
      exec += fmt::format(" --listen-tls {} --tls-ticket-keys {}", s.https_listen.str(),
                          on_host("var/lib/foobar/lb/ticket-keys"));
      if (s.acme.on()) {
        // The lb keeps its ACME account and certificate in its own state dir.
        for (const auto& f : acme_flags(s.acme, on_host("var/lib/foobar/lb/acme"))) exec += " " + f;
      } else {
        // The key reaches the lb (user foobar) through systemd's credentials: it
        // stays root's 0600 file on disk. So the TLS flags live here, not in lb.toml.
        tls_files();
        exec += " --tls-cert %d/server.pem --tls-key %d/server-key.pem";
        service.push_back("LoadCredential=server.pem:" + on_host("etc/foobar/tls/server.pem"));
        service.push_back("LoadCredential=server-key.pem:" + on_host("etc/foobar/tls/server-key.pem"));
      }
    }
    role_unit({"foobar-lb", "foobar lb: the site's load balancer", exec, service,
               s.listen.port() < 1024 || (s.https && s.https_listen.port() < 1024)});
    if (!s.vip.empty()) add("etc/keepalived/keepalived.conf", keepalived_config(t_, host_, o_.binary.string()));
  }

  // The lb's certificate: the topology's files, or one from a CA kept with the
  // secrets (for the VIP, the lb hosts and www.foobar.com) until ACME lands.
  void tls_files() {
    fs::path cert = t_.lb.tls_cert, key = t_.lb.tls_key;
    if (cert.empty()) {
      std::vector<std::string> names{"www.foobar.com", "localhost", "127.0.0.1"};
      if (!t_.lb.vip.empty()) names.push_back(t_.vip_address());
      for (const auto& h : t_.hosts)
        if (h.runs(Role::lb)) names.push_back(h.address);
      auto local = net::ensure_local_certificates(secrets_ / "tls", names);
      cert = local.server_cert;
      key = local.server_key;
      add_once("etc/foobar/tls/ca.pem", slurp(local.ca_cert));
    }
    add("etc/foobar/tls/server.pem", slurp(cert));
    add("etc/foobar/tls/server-key.pem", slurp(key), 0600);
  }

  void web(const Node& n) {
    std::string c = header("#") + "[web]\n" + common_keys(n, n.address.str());
    c += fmt::format("root = {}\nthreads = {}\naccess_log = {}\n", toml_quote(t_.web.root.empty() ? (o_.site / "public").string() : t_.web.root),
                     t_.web.threads, toml_quote(t_.web.access_log ? on_host("var/log/foobar/web.access.log") : "off"));
    auto apps = addresses(Role::app);
    if (!apps.empty()) c += fmt::format("proxy = [{}]\n", toml_quote(fmt::format("/api/={}", fmt::join(apps, ","))));
    std::vector<std::string> lbs;  // the app sees the client the lb saw
    for (const auto& a : host_addresses({Role::lb})) lbs.push_back(toml_quote(a));
    if (!lbs.empty()) c += fmt::format("trusted_proxies = [{}]\n", fmt::join(lbs, ", "));
    if (t_.web.backend_tls) c += backend_tls_keys();
    add("etc/foobar/web.toml", c);
    std::vector<std::string> service{"LogsDirectory=foobar"};
    std::string exec = fmt::format("{} web --config {}", o_.binary.string(), on_host("etc/foobar/web.toml"));
    if (t_.lb.backend_tls) exec += tls_only_flags("web", n, service);
    role_unit({"foobar-web", "foobar web: static files and /api/ to the app servers", exec, service,
               n.address.port() < 1024});
  }

  void app(const Node& n) {
    const auto& d = t_.db;
    std::string c = header("#") + "[app]\n" + common_keys(n, n.address.str());
    c += fmt::format("threads = {}\nmax_replica_lag = {}\naccess_log = {}\n", t_.app.threads, t_.app.max_replica_lag,
                     toml_quote(t_.app.access_log ? on_host("var/log/foobar/app.access.log") : "off"));
    auto primary = addresses(Role::db_primary), replicas = addresses(Role::db_replica);
    c += fmt::format("db_primary = {}\ndb_replicas = [{}]\n", toml_quote(primary.at(0)),
                     fmt::join([&] {
                       std::vector<std::string> q;
                       for (auto& r : replicas) q.push_back(toml_quote(r));
                       return q;
                     }(), ", "));
    c += fmt::format("db_name = {}\ndb_user = {}\ndb_monitor_user = {}\n", toml_quote(d.name), toml_quote(d.app_user),
                     toml_quote(d.monitor_user));
    if (t_.db_tls()) c += fmt::format("db_tls_ca = {}\n", toml_quote(ca_file()));
    add("etc/foobar/app.toml", c);
    add("etc/foobar/secrets/app.password", secret("app.password"), 0600);
    add("etc/foobar/secrets/monitor.password", secret("monitor.password"), 0600);
    std::vector<std::string> service{"LogsDirectory=foobar",
                                     "LoadCredential=app.password:" + on_host("etc/foobar/secrets/app.password"),
                                     "LoadCredential=monitor.password:" + on_host("etc/foobar/secrets/monitor.password")};
    std::string exec = fmt::format("{} app --config {} --db-password-file %d/app.password --db-monitor-password-file "
                                   "%d/monitor.password",
                                   o_.binary.string(), on_host("etc/foobar/app.toml"));
    if (t_.web.backend_tls) exec += tls_only_flags("app", n, service);
    role_unit({"foobar-app", "foobar app: the site's application server", exec, service, n.address.port() < 1024});
  }

  // MariaDB under a unit of ours (its own data dir, so Debian's mariadb.service
  // stays untouched): install-db on first start, then the bootstrap SQL as root
  // over the socket once the server is up (users, schema and writes on the
  // primary; replication on a replica), on that first start only: later the
  // app's failover leader decides who is primary and points the others at it.
  void db(const Node& n) {
    const bool replica = n.role == Role::db_replica;
    MariadbInstance inst;
    inst.dir = on_host("var/lib/foobar/db");
    inst.host = n.address.host();
    inst.port = n.address.port();
    inst.server_id = replica ? 1u + static_cast<unsigned>(n.index) : 1u;
    inst.user = "mysql";
    add("etc/foobar/db/my.cnf", header("#") + mariadb_config(inst));
    ClusterAccounts a;
    a.database = t_.db.name;
    a.app = {t_.db.app_user, secret("app.password")};
    a.replication = {t_.db.replication_user, secret("replication.password")};
    a.monitor = {t_.db.monitor_user, secret("monitor.password")};
    // Each account only from the hosts that use it, as the firewall lets them in.
    a.app.hosts = host_addresses({Role::app});
    a.replication.hosts = host_addresses({Role::db_primary, Role::db_replica});
    a.monitor.hosts = a.app.hosts;  // the failover leader; foobar status and switchover from the monitoring hosts
    for (const auto& f : t_.monitoring_from)
      a.monitor.hosts.push_back(account_host(t_.find_host(f) ? t_.find_host(f)->address : f));
    // TLS only: clients and replication verify the server's certificate for its
    // address. Flags, not my.cnf: the key reaches mariadbd (user mysql) as a
    // systemd credential and stays root's 0600 file on disk.
    std::string ca, tls_flags, credentials;
    if (t_.db_tls()) {
      ca = ca_file();
      std::vector<std::string> service;
      tls_flags = fmt::format(" --ssl-cert={} --ssl-key=%d/db-key.pem --ssl-ca={} --require-secure-transport=ON",
                              server_certificate("db", n, service), ca);
      credentials = service.at(0) + "\n";
    }
    std::string sql = header("--");
    if (replica) {
      for (const Node& p : nodes(t_))
        if (p.role == Role::db_primary) sql += replica_sql(p.address.host(), p.address.port(), a.replication, ca);
    } else {
      sql += bootstrap_sql(a, slurp(t_.db.schema.empty() ? o_.site / "schema.sql" : fs::path(t_.db.schema)));
      sql += primary_sql(n.address.host(), n.address.port(), a.replication, t_.db.replicas > 0, ca);
    }
    add("etc/foobar/db/init.sql", sql, 0600);
    const auto cnf = on_host("etc/foobar/db/my.cnf");
    std::string s = header("#");
    s += fmt::format(
        "[Unit]\n"
        "Description=foobar MariaDB {5} ({6})\n"
        "Documentation=file:/usr/share/doc/foobar/deploy.md\n"
        "After=network-online.target foobar-firewall.service\n"
        "Wants=network-online.target\n"
        "Requires=foobar-firewall.service\n\n"
        "[Service]\n"
        "Type=notify\n"
        "User=mysql\n"
        "Group=mysql\n"
        "StateDirectory=foobar/db\n"
        "ExecStartPre=/bin/sh -c 'mkdir -p {0}/tmp && test -d {1}/mysql || {{ /usr/bin/mariadb-install-db "
        "--defaults-file={2} --skip-test-db --auth-root-authentication-method=socket && touch {0}/bootstrap-pending; }}'\n"
        "ExecStart=/usr/sbin/mariadbd --defaults-file={2}{7}\n{8}"
        "ExecStartPost=+/bin/sh -c 'test ! -e {0}/bootstrap-pending || {{ /usr/bin/mariadb --user=root --socket={3} < {4} "
        "&& rm {0}/bootstrap-pending; }}'\n"
        "Restart=on-failure\n"
        "TimeoutStartSec=300\n"
        "LimitNOFILE=65535\n"
        "NoNewPrivileges=yes\n"
        "ProtectSystem=full\n"
        "ProtectHome=yes\n"
        "PrivateTmp=yes\n"
        "PrivateDevices=yes\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n",
        inst.dir.string(), inst.datadir().string(), cnf, inst.socket().string(), on_host("etc/foobar/db/init.sql"),
        replica ? "replica" : "primary", n.name, tls_flags, credentials);
    add("etc/systemd/system/foobar-db.service", s);
  }

  const Topology& t_;
  const Host& host_;
  const RenderOptions& o_;
  fs::path secrets_;
  std::vector<Node> mine_;
  std::vector<RenderedFile> files_;
};

}  // namespace

fs::path default_secrets_dir(const fs::path& config) { return fs::absolute(config).parent_path() / "secrets"; }

namespace {

// Where the cluster's generated secrets live (root only), created on first use.
fs::path secrets_dir(const Topology& t, const RenderOptions& o) {
  fs::path secrets = o.secrets.empty() ? default_secrets_dir(t.source) : o.secrets;
  fs::create_directories(secrets);
  ::chmod(secrets.c_str(), 0700);
  return secrets;
}

}  // namespace

std::vector<RenderedFile> render_host(const Topology& t, RenderOptions o) {
  if (!t.on_hosts()) throw ConfigError(t.source + ": no [[host]] entries: `foobar render` is for real hosts");
  const Host* host = t.find_host(o.host);
  if (!host) {
    std::vector<std::string> names;
    for (const auto& h : t.hosts) names.push_back(h.name);
    throw ConfigError(fmt::format("{}: no host named '{}' (hosts: {})", t.source, o.host, fmt::join(names, ", ")));
  }
  o.site = fs::absolute(o.site);
  // These go into Exec lines and keepalived's script as they are.
  for (const auto* p : {&o.prefix, &o.binary, &o.site})
    if (p->string().find_first_of(" \t\n\"'%\\") != std::string::npos)
      throw ConfigError("render: paths with spaces, quotes, '%' or '\\' are not supported: " + p->string());
  return HostRender(t, *host, o, secrets_dir(t, o)).files();
}

std::vector<RenderedFile> render_monitoring(const Topology& t, const RenderOptions& o) {
  if (!t.on_hosts()) throw ConfigError(t.source + ": no [[host]] entries: `foobar render` is for real hosts");
  const auto rules = alert_rules_beside(fs::absolute(o.site));
  if (rules.empty()) throw std::runtime_error("no foobar.rules.yml beside " + o.site.string());
  const fs::path secrets = secrets_dir(t, o);
  auto on_host = [&](const std::string& rel) { return (o.prefix / rel).lexically_normal().string(); };
  const std::string token = "etc/prometheus/foobar-admin.token";
  return {
      {"etc/prometheus/prometheus.yml",
       prometheus_config(t, {"127.0.0.1:9090", "127.0.0.1:9093"}, on_host("etc/prometheus/foobar.rules.yml"))},
      {"etc/prometheus/foobar.rules.yml", slurp(rules)},
      {"etc/prometheus/alertmanager.yml", alertmanager_config(t, on_host(token))},
      // Alertmanager (user prometheus) reads it: chgrp prometheus (docs/deploy.md).
      {token, secret_file(secrets / "admin.token"), 0640},
  };
}

void write_rendered(const std::vector<RenderedFile>& files, const fs::path& out) {
  for (const auto& f : files) {
    const auto path = out / f.path;
    fs::create_directories(path.parent_path());
    core::write_file_atomic(path, f.text, f.mode);
  }
}

int run_render(const std::string& config, const RenderOptions& o, bool check_only, bool monitoring) {
  try {
    Topology t = load_topology(config);
    if (!t.on_hosts()) throw ConfigError(config + ": no [[host]] entries: `foobar render` is for real hosts");
    if (check_only) {
      fmt::print("{}: ok, {} hosts\n", config, t.hosts.size());
      for (const auto& h : t.hosts) {
        std::vector<std::string> placed;
        for (const Node& n : nodes(t))
          if (n.host == h.name) placed.push_back(fmt::format("{} {}", n.name, n.address.str()));
        fmt::print("  {:<10} {:<15} {}\n", h.name, h.address, fmt::join(placed, ", "));
      }
      if (!t.lb.vip.empty()) fmt::print("  virtual IP {} on {}\n", t.lb.vip, t.lb.interface);
      return 0;
    }
    auto files = monitoring ? render_monitoring(t, o) : render_host(t, o);
    write_rendered(files, o.out);
    fmt::print("foobar render: {} files for {} in {}\n", files.size(),
               monitoring ? "the monitoring host" : "host " + o.host, o.out.string());
    return 0;
  } catch (const ConfigError& e) {
    fmt::print(stderr, "foobar render: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "foobar render: {}\n", e.what());
    return 1;
  }
}

}  // namespace foobar::ctl
