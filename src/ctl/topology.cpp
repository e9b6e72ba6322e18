#include "ctl/topology.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/ip/network_v4.hpp>
#include <fmt/format.h>

#include "lb/lb_config.hpp"

namespace foobar::ctl {

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::lb: return "lb";
    case Role::web: return "web";
    case Role::app: return "app";
    case Role::db_primary: return "db-primary";
    case Role::db_replica: return "db-replica";
  }
  return "?";
}

bool Host::runs(Role role) const noexcept { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

const Host* Topology::find_host(std::string_view name) const noexcept {
  for (const auto& h : hosts)
    if (h.name == name) return &h;
  return nullptr;
}

Topology default_topology(int http_port, int port_base) {
  Topology t;
  t.lb.listen = t.lb.listen.with_port(static_cast<std::uint16_t>(http_port));
  t.port_base = port_base;
  return t;
}

namespace {

// Every listener's port as planned, before the range check (ports are computed
// from port_base and counts, so they may fall outside 1..65535).
struct Planned {
  std::string name;
  Role role;
  int index;
  int port;
  int admin_port = 0;  // its admin listener (/metrics; the lb's also /stats); 0 for DB nodes
  std::string host;    // [[host]] name; "" on one machine
  std::string address; // where it binds (t.host on one machine)
};

// On hosts: each role at its host's address, the same ports everywhere.
std::vector<Planned> plan_hosts(const Topology& t) {
  auto port = [](int configured, int standard) { return configured ? configured : standard; };
  std::vector<Planned> out;
  auto place = [&](Role role, const char* prefix, int port_, int admin) {
    int index = 0;
    for (const auto& h : t.hosts)
      if (h.runs(role)) {
        ++index;
        std::string name = role == Role::db_primary ? "db-primary" : fmt::format("{}{}", prefix, index);
        out.push_back({name, role, index, port_, admin, h.name, h.address});
      }
  };
  const int db = port(t.db.port, HostPorts::db);
  place(Role::db_primary, "db-primary", db, 0);
  place(Role::db_replica, "db-replica", db, 0);
  place(Role::app, "app", port(t.app.port, HostPorts::app), port(t.app.admin_port, HostPorts::app_admin));
  place(Role::web, "web", port(t.web.port, HostPorts::web), port(t.web.admin_port, HostPorts::web_admin));
  place(Role::lb, "lb", t.lb.listen.port(), port(t.lb.admin_port, HostPorts::lb_admin));
  return out;
}

std::vector<Planned> plan(const Topology& t) {
  if (t.on_hosts()) return plan_hosts(t);
  // Slots from port_base in a fixed order, so the same file always gives the same ports.
  int next = t.port_base;
  int lb_admin = next++;
  int web_first = next;
  next += t.web.count;
  int app_first = next;
  next += t.app.count;
  int db_first = next;
  // Admin listeners of web and app servers come after the DB slots, so adding
  // them moved no port of an older layout.
  int web_admin_first = db_first + (t.db.enabled ? 1 + t.db.replicas : 0);
  int app_admin_first = web_admin_first + t.web.count;
  std::vector<Planned> out;
  if (t.db.enabled) {
    int port = t.db.port ? t.db.port : db_first;
    out.push_back({"db-primary", Role::db_primary, 1, port, 0, "", t.host});
    for (int i = 1; i <= t.db.replicas; ++i)
      out.push_back({fmt::format("db-replica{}", i), Role::db_replica, i, port + i, 0, "", t.host});
  }
  for (int i = 1; i <= t.app.count; ++i)
    out.push_back({fmt::format("app{}", i), Role::app, i, (t.app.port ? t.app.port : app_first) + i - 1,
                   app_admin_first + i - 1, "", t.host});
  for (int i = 1; i <= t.web.count; ++i)
    out.push_back({fmt::format("web{}", i), Role::web, i, (t.web.port ? t.web.port : web_first) + i - 1,
                   web_admin_first + i - 1, "", t.host});
  if (t.lb.enabled)
    out.push_back({"lb", Role::lb, 1, t.lb.listen.port(), t.lb.admin_port ? t.lb.admin_port : lb_admin, "", t.host});
  return out;
}

void validate(const Topology& t, const std::string& source) {
  auto err = [&](const std::string& key, const std::string& what) {
    throw ConfigError(fmt::format("{}: key '{}': {}", source, key, what));
  };
  if (t.lb.enabled && t.web.count == 0) err("web.count", "the lb needs at least one web server");
  if (t.app.count > 0 && !t.db.enabled) err("db.enabled", "app servers need the database");
  if (t.lb.health_check != "tcp" && t.lb.health_check.rfind("http:/", 0) != 0)
    err("lb.health_check", "expected \"tcp\" or \"http:/PATH\"");
  // Two listeners on one port would fail at start; say so now, naming both.
  struct Listener {
    std::string name;
    std::string machine;  // listeners clash only on one machine
    asio::ip::address host;
    int port;
  };
  std::vector<Listener> listeners;
  for (const auto& p : plan(t)) {
    const auto host = asio::ip::make_address(p.address);
    listeners.push_back({p.name, p.host, p.role == Role::lb ? t.lb.listen.endpoint().address() : host, p.port});
    if (p.role == Role::lb && t.lb.https)
      listeners.push_back({p.name + " https", p.host, t.lb.https_listen.endpoint().address(), t.lb.https_listen.port()});
    if (p.admin_port) listeners.push_back({p.name + " admin", p.host, host, p.admin_port});
    if (!p.host.empty()) listeners.push_back({"ssh on " + p.host, p.host, host, HostPorts::ssh});
  }
  if (!t.on_hosts() && t.monitoring.enabled) {
    const auto m = monitoring_ports(t);
    const auto host = asio::ip::make_address(t.host);
    listeners.push_back({"prometheus", "", host, m.prometheus});
    listeners.push_back({"alertmanager", "", host, m.alertmanager});
    const int db_nodes = t.db.enabled ? 1 + t.db.replicas : 0;
    for (int i = 0; i < db_nodes; ++i)
      listeners.push_back({fmt::format("mysqld exporter {}", i + 1), "", host, m.mysqld_exporter + i});
  }
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const auto& e = listeners[i];
    if (e.port < 1 || e.port > 65535)
      err("port_base", fmt::format("{} would get port {}, outside 1..65535", e.name, e.port));
    for (std::size_t j = 0; j < i; ++j) {
      const auto& o = listeners[j];
      if (o.machine == e.machine && o.port == e.port && o.name != e.name &&
          (o.host == e.host || o.host.is_unspecified() || e.host.is_unspecified()))
        err("port", fmt::format("{} and {} would both use port {}", o.name, e.name, e.port));
    }
  }
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::lb, Role::web, Role::app, Role::db_primary, Role::db_replica})
    if (role_name(r) == name) return r;
  return std::nullopt;
}

// "ADDRESS/PREFIX" (IPv4) -> the network; nullopt when malformed.
std::optional<asio::ip::network_v4> parse_cidr(const std::string& text) {
  error_code ec;
  auto net = asio::ip::make_network_v4(text, ec);
  if (ec) return std::nullopt;
  return net;
}

// [[host]], [monitoring], [admin] and the lb pair's VIP: the topology of real hosts.
void parse_hosts(const core::ConfigSection& top, Topology& t, bool lb_listen_set, bool https_listen_set) {
  const auto host_tables = top.is_array("host") ? top.tables("host") : std::vector<core::ConfigSection>{};
  for (const auto& h : host_tables) {
    h.allow_only({"name", "address", "roles"});
    Host host;
    host.name = h.string("name").value_or("");
    if (host.name.empty() || host.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      h.fail("name", "expected a host name of a-z, 0-9 and '-'");
    host.address = h.string("address").value_or("");
    error_code ec;
    asio::ip::make_address_v4(host.address, ec);
    if (ec) h.fail("address", "expected the host's IPv4 address, such as \"10.0.0.11\"");
    for (const auto& r : h.strings("roles").value_or(std::vector<std::string>{})) {
      auto role = parse_role(r);
      if (!role) h.fail("roles", "'" + r + "': expected lb, web, app, db-primary or db-replica");
      if (host.runs(*role)) h.fail("roles", "'" + r + "' listed twice");
      host.roles.push_back(*role);
    }
    for (const auto& other : t.hosts) {
      if (other.name == host.name) h.fail("name", "two hosts named " + host.name);
      if (other.address == host.address)
        h.fail("address", fmt::format("{} has this address too", other.name));
    }
    t.hosts.push_back(std::move(host));
  }
  auto count = [&](Role r) {
    return static_cast<int>(std::count_if(t.hosts.begin(), t.hosts.end(), [r](const Host& h) { return h.runs(r); }));
  };
  // Hosts given or not, these say where traffic may come from: names of hosts or CIDRs.
  auto sources = [&](std::string_view table, std::vector<std::string>& out, std::vector<std::string_view> keys) {
    auto s = top.table(table);
    if (!s) return;
    s->allow_only(keys);
    for (const auto& f : s->strings("from").value_or(std::vector<std::string>{})) {
      bool is_host = std::any_of(t.hosts.begin(), t.hosts.end(), [&](const Host& h) { return h.name == f; });
      if (!is_host && !parse_cidr(f.find('/') == std::string::npos ? f + "/32" : f))
        s->fail("from", "'" + f + "': expected a host's name or an IPv4 address/prefix");
      out.push_back(f);
    }
  };
  sources("monitoring", t.monitoring_from, {"from", "enabled", "prometheus_port", "alertmanager_port"});
  sources("admin", t.admin_from, {"from"});
  auto lb = top.table("lb");
  if (t.hosts.empty()) {
    if (lb && lb->string("vip")) lb->fail("vip", "a virtual IP needs [[host]] entries with the lb role");
    if (lb && lb->integer("virtual_router_id", 1, 255)) lb->fail("virtual_router_id", "goes with lb.vip");
    return;
  }
  // On hosts the counts come from the roles: refuse keys that would disagree.
  for (auto [table, key] : {std::pair{"web", "count"}, {"app", "count"}, {"db", "replicas"}})
    if (auto s = top.table(table); s && s->integer(key, 0, 1 << 30))
      s->fail(key, "with [[host]] entries this comes from the hosts' roles");
  if (top.integer("port_base", 0, 65535)) top.fail("port_base", "with [[host]] entries each role has its own port");
  t.web.count = count(Role::web);
  t.app.count = count(Role::app);
  t.db.replicas = count(Role::db_replica);
  const int primaries = count(Role::db_primary);
  if (t.db.enabled && primaries != 1)
    top.fail("host", fmt::format("exactly one host needs the db-primary role ({} have it)", primaries));
  if (t.db.enabled == false && (primaries || t.db.replicas))
    top.fail("host", "db.enabled is false but hosts have database roles");
  const int lbs = count(Role::lb);
  if (t.lb.enabled != (lbs > 0))
    top.fail("host", lbs ? "lb.enabled is false but hosts have the lb role" : "no host has the lb role");
  if (!lb_listen_set) t.lb.listen = net::Address::parse_or_throw("*:80", net::Address::Use::Listen);
  if (!https_listen_set) t.lb.https_listen = net::Address::parse_or_throw("*:443", net::Address::Use::Listen);
  if (lbs > 1 || (lb && lb->string("vip"))) {
    auto vip_text = lb ? lb->string("vip") : std::nullopt;
    if (!vip_text) top.fail("lb", fmt::format("{} hosts have the lb role: give the virtual IP as lb.vip", lbs));
    auto vip = parse_cidr(*vip_text);
    if (!vip || vip->prefix_length() == 32 || vip_text->find('/') == std::string::npos)
      lb->fail("vip", "expected \"ADDRESS/PREFIX\" on the lb hosts' subnet, such as \"10.0.0.100/24\"");
    if (vip->address() == vip->network() || vip->address() == vip->broadcast())
      lb->fail("vip", "the virtual IP is its subnet's network or broadcast address");
    for (const auto& h : t.hosts) {
      if (h.address == vip->address().to_string()) lb->fail("vip", "the virtual IP is " + h.name + "'s own address");
      if (h.runs(Role::lb) && vip->canonical() !=
                                  asio::ip::make_network_v4(asio::ip::make_address_v4(h.address), vip->prefix_length())
                                      .canonical())
        lb->fail("vip", fmt::format("{} ({}) is not on the virtual IP's subnet {}", h.name, h.address,
                                    vip->canonical().to_string()));
    }
    t.lb.vip = *vip_text;
    t.lb.virtual_router_id = static_cast<int>(vip->address().to_bytes()[3]);
    if (auto id = lb->integer("virtual_router_id", 1, 255))
      t.lb.virtual_router_id = static_cast<int>(*id);
    else if (t.lb.virtual_router_id == 0 || t.lb.virtual_router_id == 255)
      lb->fail("vip", "the VIP's last octet cannot be the VRRP id (1..255): give lb.virtual_router_id");
    if (auto i = lb->string("interface")) {
      if (i->empty() || i->size() > 15 || i->find_first_of(" /") != std::string::npos)
        lb->fail("interface", "expected a network interface name, such as \"eth0\"");
      t.lb.interface = *i;
    }
  }
}

}  // namespace

MonitoringPorts monitoring_ports(const Topology& t) {
  // The slots after everything plan() allocates: lb admin, web, app, DB, web and app admin.
  const int next = t.port_base + 1 + 2 * (t.web.count + t.app.count) + (t.db.enabled ? 1 + t.db.replicas : 0);
  return {t.monitoring.prometheus_port ? t.monitoring.prometheus_port : next,
          t.monitoring.alertmanager_port ? t.monitoring.alertmanager_port : next + 1, next + 2};
}

std::vector<Node> nodes(const Topology& t) {
  std::vector<Node> out;
  for (const auto& p : plan(t)) {
    const auto host = asio::ip::make_address(p.address);
    auto at = [&](int port) { return net::Address(tcp::endpoint(host, static_cast<std::uint16_t>(port))); };
    auto admin = p.admin_port ? at(p.admin_port) : net::Address();
    // One machine: the lb serves where it listens. On hosts it listens on every
    // interface (the VIP comes and goes), and serves at its host's address.
    auto address = p.role == Role::lb && !t.on_hosts() ? t.lb.listen : at(p.port);
    out.push_back({p.name, p.role, p.host, p.index, address, admin});
  }
  return out;
}

Topology parse_topology(std::string_view text, const std::string& source, std::optional<int> http_port,
                        std::optional<int> port_base, std::optional<int> https_port) {
  auto file = core::ConfigFile::parse(text, source);
  const auto top = file.root();
  top.allow_only({"host", "port_base", "lb", "web", "app", "db", "monitoring", "admin"});
  auto integer = [](const core::ConfigSection& s, std::string_view key, int& out, int lo, int hi) {
    if (auto v = s.integer(key, lo, hi)) out = static_cast<int>(*v);
  };
  auto text_of = [](const core::ConfigSection& s, std::string_view key, std::string& out) {
    auto v = s.string(key);
    if (v && v->empty()) s.fail(key, "expected a non-empty string");
    if (v) out = *v;
  };
  Topology t;
  t.source = source;
  if (top.is_array("host")) {
    // [[host]] tables: real hosts, parsed after the role tables below
  } else if (auto h = top.string("host")) {
    error_code ec;
    asio::ip::make_address_v4(*h, ec);
    if (ec) top.fail("host", "expected an IPv4 address such as \"127.0.0.1\"");
    t.host = *h;
  }
  integer(top, "port_base", t.port_base, 1, 65535);
  if (auto lb = top.table("lb")) {
    lb->allow_only({"enabled", "listen", "admin_port", "balance", "health_check", "health_interval_ms", "rise",
                    "fall", "threads", "https", "https_listen", "tls_cert", "tls_key", "vip", "interface", "virtual_router_id",
                    "rate_limit", "rate_limit_rules", "max_connections_per_client", "connection_rate",
                    "client_table_size", "backend_tls", "acme"});
    lb::read_client_limits(*lb, t.lb.client_limits);
    if (auto v = lb->boolean("enabled")) t.lb.enabled = *v;
    if (auto a = net::read_address(*lb, "listen", net::Address::Use::Listen)) {
      if (a->port() == 0) lb->fail("listen", "the port must be from 1 to 65535");
      t.lb.listen = *a;
    }
    integer(*lb, "admin_port", t.lb.admin_port, 1, 65535);
    if (auto v = lb->one_of("balance", {"roundrobin", "leastconn", "source", "random"})) t.lb.balance = *v;
    text_of(*lb, "health_check", t.lb.health_check);
    integer(*lb, "health_interval_ms", t.lb.health_interval_ms, 10, 3600000);
    integer(*lb, "rise", t.lb.rise, 1, 100);
    integer(*lb, "fall", t.lb.fall, 1, 100);
    integer(*lb, "threads", t.lb.threads, 0, 256);
    if (auto v = lb->boolean("https")) t.lb.https = *v;
    if (auto v = lb->boolean("backend_tls")) t.lb.backend_tls = *v;
    if (auto a = net::read_address(*lb, "https_listen", net::Address::Use::Listen)) {
      if (a->port() == 0) lb->fail("https_listen", "the port must be from 1 to 65535");
      t.lb.https_listen = *a;
    }
    text_of(*lb, "tls_cert", t.lb.tls_cert);
    text_of(*lb, "tls_key", t.lb.tls_key);
    if (t.lb.tls_cert.empty() != t.lb.tls_key.empty())
      lb->fail(t.lb.tls_cert.empty() ? "tls_key" : "tls_cert", "tls_cert and tls_key go together");
    if (auto a = lb->table("acme")) {
      a->allow_only({"directory", "domains", "email", "ca"});
      auto& acme = t.lb.acme;
      text_of(*a, "directory", acme.directory);
      if (!acme.directory.starts_with("https://")) a->fail("directory", "the ACME directory's https:// URL is required");
      if (auto v = a->strings("domains")) acme.domains = *v;
      if (acme.domains.empty()) a->fail("domains", "the certificate's names are required");
      text_of(*a, "email", acme.email);
      text_of(*a, "ca", acme.ca);
      // They go into the lb's command line (foobar up, the rendered unit) as words.
      auto plain = [&](std::string_view key, const std::string& v) {
        if (v.find_first_of(" \t\n\"'%\\") != std::string::npos) a->fail(key, "no spaces, quotes, '%' or '\\'");
      };
      plain("directory", acme.directory);
      for (const auto& d : acme.domains) plain("domains", d);
      plain("email", acme.email);
      plain("ca", acme.ca);
      if (!t.lb.https) lb->fail("acme", "ACME issues the HTTPS listener's certificate: https = false");
      if (!t.lb.tls_cert.empty()) lb->fail("acme", "either tls_cert/tls_key or acme");
    }
  }
  if (auto web = top.table("web")) {
    web->allow_only({"count", "port", "admin_port", "root", "threads", "access_log", "backend_tls"});
    if (auto v = web->boolean("backend_tls")) t.web.backend_tls = *v;
    integer(*web, "count", t.web.count, 0, 64);
    integer(*web, "port", t.web.port, 1, 65535);
    integer(*web, "admin_port", t.web.admin_port, 1, 65535);
    text_of(*web, "root", t.web.root);
    integer(*web, "threads", t.web.threads, 0, 256);
    if (auto v = web->boolean("access_log")) t.web.access_log = *v;
  }
  if (auto app = top.table("app")) {
    app->allow_only({"count", "port", "admin_port", "threads", "max_replica_lag", "access_log"});
    integer(*app, "count", t.app.count, 0, 64);
    integer(*app, "port", t.app.port, 1, 65535);
    integer(*app, "admin_port", t.app.admin_port, 1, 65535);
    integer(*app, "threads", t.app.threads, 0, 256);
    if (auto v = app->number("max_replica_lag", 0, 86400)) t.app.max_replica_lag = *v;
    if (auto v = app->boolean("access_log")) t.app.access_log = *v;
  }
  if (auto db = top.table("db")) {
    db->allow_only({"enabled", "port", "replicas", "name", "app_user", "replication_user", "monitor_user", "schema",
                    "catch_up_timeout_s", "tls"});
    if (auto v = db->boolean("enabled")) t.db.enabled = *v;
    if (auto v = db->boolean("tls")) t.db.tls = *v;
    integer(*db, "port", t.db.port, 1, 65535);
    integer(*db, "replicas", t.db.replicas, 0, 16);
    text_of(*db, "name", t.db.name);
    text_of(*db, "app_user", t.db.app_user);
    text_of(*db, "replication_user", t.db.replication_user);
    text_of(*db, "monitor_user", t.db.monitor_user);
    text_of(*db, "schema", t.db.schema);
    integer(*db, "catch_up_timeout_s", t.db.catch_up_timeout_s, 1, 3600);
  }
  {
    auto lb = top.table("lb");
    parse_hosts(top, t, lb && lb->string("listen"), lb && lb->string("https_listen"));
  }
  if (auto m = top.table("monitoring")) {
    if (auto v = m->boolean("enabled")) t.monitoring.enabled = *v;
    integer(*m, "prometheus_port", t.monitoring.prometheus_port, 1, 65535);
    integer(*m, "alertmanager_port", t.monitoring.alertmanager_port, 1, 65535);
    if (t.on_hosts() && (t.monitoring.prometheus_port || t.monitoring.alertmanager_port))
      m->fail(t.monitoring.prometheus_port ? "prometheus_port" : "alertmanager_port",
              "on real hosts Prometheus runs on the monitoring host, not from this file");
  }
  if (!t.on_hosts()) {
    if (t.web.admin_port) top.table("web")->fail("admin_port", "on one machine admin ports come from port_base");
    if (t.app.admin_port) top.table("app")->fail("admin_port", "on one machine admin ports come from port_base");
  }
  if (http_port) t.lb.listen = t.lb.listen.with_port(static_cast<std::uint16_t>(*http_port));
  if (port_base) t.port_base = *port_base;
  if (https_port) t.lb.https_listen = t.lb.https_listen.with_port(static_cast<std::uint16_t>(*https_port));
  validate(t, source);
  return t;
}

Topology load_topology(const std::string& path, std::optional<int> http_port, std::optional<int> port_base,
                       std::optional<int> https_port) {
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("{}: cannot read the config file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Topology t = parse_topology(ss.str(), path, http_port, port_base, https_port);
  auto dir = std::filesystem::absolute(path).parent_path();
  for (std::string* p : {&t.web.root, &t.db.schema, &t.lb.tls_cert, &t.lb.tls_key})
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (dir / *p).lexically_normal().string();
  return t;
}

std::string toml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {
// "key = value" padded so the comments line up.
std::string line(const std::string& kv, const std::string& comment = "") {
  if (comment.empty()) return kv + "\n";
  return fmt::format("{:<32} # {}\n", kv, comment);
}
// An explicit value, or the allocated one as a comment (so --port-base still moves it).
std::string port_line(const char* key, int explicit_port, int allocated) {
  if (explicit_port) return fmt::format("{} = {}\n", key, explicit_port);
  return fmt::format("{:<32} # default: allocated from port_base\n", fmt::format("# {} = {}", key, allocated));
}
}  // namespace

// The lb's per-client limits as its [lb] keys (after the plain keys: the
// rules are tables of their own); nothing for the defaults.
std::string client_limits_toml(const lb::ClientLimitsConfig& c) {
  std::string o;
  if (c.requests.on())
    o += fmt::format("rate_limit = {{ requests_per_second = {}, burst = {} }}\n", c.requests.per_second, c.requests.burst);
  if (c.max_connections) o += fmt::format("max_connections_per_client = {}\n", c.max_connections);
  if (c.connections.on())
    o += fmt::format("connection_rate = {{ per_second = {}, burst = {} }}\n", c.connections.per_second, c.connections.burst);
  if (c.table_size != lb::ClientLimitsConfig{}.table_size) o += fmt::format("client_table_size = {}\n", c.table_size);
  for (const auto& r : c.rules) {
    o += "\n[[lb.rate_limit_rules]]\n";
    if (!r.method.empty()) o += "method = " + toml_quote(r.method) + "\n";
    o += fmt::format("prefix = {}\nrequests_per_second = {}\nburst = {}\n", toml_quote(r.prefix), r.rate.per_second,
                     r.rate.burst);
  }
  return o;
}

std::string to_toml(const Topology& t) {
  auto all = nodes(t);
  auto first = [&](Role r) {
    for (auto& n : all)
      if (n.role == r) return static_cast<int>(n.address.port());
    return 0;
  };
  int lb_admin = t.port_base;  // slot 0, as in nodes()
  std::string o;
  o += "# foobar topology: `foobar up --config FILE` runs it; every key is in docs/configuration.md.\n";
  o += "# Internal ports without an explicit value are consecutive from port_base:\n";
  o += "# lb admin, web servers, app servers, DB primary, DB replicas, then the web and app\n";
  o += "# servers' admin listeners (/metrics).\n\n";
  o += line("host = " + toml_quote(t.host), "address every internal node binds");
  o += fmt::format("port_base = {}\n\n", t.port_base);

  o += line("[lb]", "the HAProxy role: the site's public entry");
  o += fmt::format("enabled = {}\n", t.lb.enabled);
  o += line("listen = " + toml_quote(t.lb.listen.str()), "--http-port overrides the port");
  o += port_line("admin_port", t.lb.admin_port, lb_admin);
  o += line("balance = " + toml_quote(t.lb.balance), "roundrobin | leastconn | source | random");
  o += line("health_check = " + toml_quote(t.lb.health_check), "tcp | http:/PATH");
  o += fmt::format("health_interval_ms = {}\n", t.lb.health_interval_ms);
  o += fmt::format("rise = {}\nfall = {}\n", t.lb.rise, t.lb.fall);
  o += line(fmt::format("threads = {}", t.lb.threads), "0: one per CPU");
  o += line(fmt::format("https = {}", t.lb.https), "a TLS listener beside the plain one");
  o += line("https_listen = " + toml_quote(t.lb.https_listen.str()), "--https-port overrides the port");
  if (t.lb.tls_cert.empty())
    o += line("# tls_cert = \"\"", "default: a certificate from the local CA in the state dir") +
         line("# tls_key = \"\"");
  else
    o += line("tls_cert = " + toml_quote(t.lb.tls_cert)) + line("tls_key = " + toml_quote(t.lb.tls_key));
  o += line(fmt::format("backend_tls = {}", t.lb.backend_tls), "TLS to the web servers, verified (local CA)");
  if (t.lb.acme.on()) {
    std::vector<std::string> domains;
    for (const auto& d : t.lb.acme.domains) domains.push_back(toml_quote(d));
    o += fmt::format("acme = {{ directory = {}, domains = [{}]{}{} }}\n", toml_quote(t.lb.acme.directory),
                     fmt::join(domains, ", "), t.lb.acme.email.empty() ? "" : ", email = " + toml_quote(t.lb.acme.email),
                     t.lb.acme.ca.empty() ? "" : ", ca = " + toml_quote(t.lb.acme.ca));
  }
  const auto limits = client_limits_toml(t.lb.client_limits);
  o += limits.empty() ? line("# rate_limit = { requests_per_second = 100, burst = 200 }", "per client: docs/lb.md")
                      : limits;
  o += "\n";

  o += line("[web]", "the nginx role: static files, /api/ proxied to app");
  o += fmt::format("count = {}\n", t.web.count);
  o += port_line("port", t.web.port, first(Role::web) ? first(Role::web) : t.port_base + 1);
  if (t.web.root.empty())
    o += line("# root = \"site/public\"", "default: site/public next to the foobar binary");
  else
    o += fmt::format("root = {}\n", toml_quote(t.web.root));
  o += fmt::format("threads = {}\n", t.web.threads);
  o += fmt::format("access_log = {}\n", t.web.access_log);
  o += line(fmt::format("backend_tls = {}", t.web.backend_tls), "TLS to the app servers, verified (local CA)") + "\n";

  o += line("[app]", "the application servers (www.foobar.com)");
  o += fmt::format("count = {}\n", t.app.count);
  o += port_line("port", t.app.port, first(Role::app) ? first(Role::app) : t.port_base + 1 + t.web.count);
  o += fmt::format("threads = {}\n", t.app.threads);
  o += line(fmt::format("max_replica_lag = {}", t.app.max_replica_lag),
            "seconds; a replica further behind takes no reads");
  o += fmt::format("access_log = {}\n\n", t.app.access_log);

  o += line("[db]", "MariaDB: one primary, GTID replicas");
  o += fmt::format("enabled = {}\n", t.db.enabled);
  o += port_line("port", t.db.port,
                 first(Role::db_primary) ? first(Role::db_primary) : t.port_base + 1 + t.web.count + t.app.count);
  o += fmt::format("replicas = {}\n", t.db.replicas);
  o += fmt::format("name = {}\n", toml_quote(t.db.name));
  o += fmt::format("app_user = {}\n", toml_quote(t.db.app_user));
  o += fmt::format("replication_user = {}\n", toml_quote(t.db.replication_user));
  o += fmt::format("monitor_user = {}\n", toml_quote(t.db.monitor_user));
  if (t.db.schema.empty())
    o += line("# schema = \"site/schema.sql\"", "default: site/schema.sql next to the foobar binary");
  else
    o += fmt::format("schema = {}\n", toml_quote(t.db.schema));
  o += fmt::format("catch_up_timeout_s = {}\n", t.db.catch_up_timeout_s);
  o += line(fmt::format("tls = {}", t.db.tls), "clients and replication over TLS only") + "\n";

  const auto m = monitoring_ports(t);
  o += line("[monitoring]", "Prometheus and Alertmanager, when installed (make deps)");
  o += fmt::format("enabled = {}\n", t.monitoring.enabled);
  o += port_line("prometheus_port", t.monitoring.prometheus_port, m.prometheus);
  o += port_line("alertmanager_port", t.monitoring.alertmanager_port, m.alertmanager);
  return o;
}

}  // namespace foobar::ctl
