#pragma once
// The stack `foobar up` runs: which nodes, on which addresses, with which settings.
// Parsed and validated into plain structs before anything starts (config and
// runtime apart); the built-in default is the brief's infrastructure with the
// redundancy that makes round robin meaningful: 1 lb -> 2 web -> 2 app -> 1+1 DB.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "lb/client_limits.hpp"
#include "net/address.hpp"

namespace foobar::ctl {

enum class Role { lb, web, app, db_primary, db_replica };

// "lb", "web", "app", "db-primary", "db-replica".
std::string_view role_name(Role role) noexcept;

// The lb's certificate from an ACME CA instead of the local CA (HTTP-01: each
// domain reaches the lbs on port 80): [lb] acme = { directory, domains, email, ca }.
struct LbAcme {
  std::string directory, email, ca;
  std::vector<std::string> domains;
  bool on() const noexcept { return !directory.empty(); }
};

struct LbSettings {
  bool enabled = true;
  net::Address listen = net::Address::parse_or_throw("127.0.0.1:8080", net::Address::Use::Listen);  // the public address
  int admin_port = 0;                  // 0: allocated from port_base
  std::string balance = "roundrobin";  // roundrobin | leastconn | source | random
  std::string health_check = "http:/"; // tcp | http:/PATH
  int health_interval_ms = 1000;
  int rise = 2;
  int fall = 3;
  int threads = 1;
  // HTTPS beside HTTP: a TLS listener with tls_cert/tls_key, or ("" for both)
  // a certificate from the local CA that `foobar up` keeps in the state dir.
  bool https = true;
  net::Address https_listen = net::Address::parse_or_throw("127.0.0.1:8443", net::Address::Use::Listen);
  std::string tls_cert;
  std::string tls_key;
  // Real hosts with two or more lbs: the virtual IP keepalived moves between
  // them ("ADDRESS/PREFIX"), on this interface of each lb host.
  std::string vip;
  std::string interface = "eth0";
  int virtual_router_id = 0;  // VRRP's id of the pair on the LAN (1..255); set from the VIP's last octet unless given
  lb::ClientLimitsConfig client_limits;  // the lb's keys of the same names (docs/lb.md)
  // Re-encryption towards the web servers: they serve TLS only, with a certificate
  // from the local CA, which the lb verifies.
  bool backend_tls = false;
  LbAcme acme;
};

struct WebSettings {
  int count = 2;
  int port = 0;          // first web server's port, the others follow; 0: allocated
  int admin_port = 0;    // real hosts only (locally allocated from port_base)
  std::string root;      // static files; "": site/public found next to the binary
  int threads = 1;
  bool access_log = true;  // one access log per web server in the state dir's logs/
  bool backend_tls = false;  // re-encryption towards the app servers, as [lb] backend_tls
};

struct AppSettings {
  int count = 2;
  int port = 0;
  int admin_port = 0;    // real hosts only (locally allocated from port_base)
  int threads = 1;
  double max_replica_lag = 5;  // seconds
  bool access_log = true;      // one access log per app server in the state dir's logs/
};

struct DbSettings {
  bool enabled = true;
  int port = 0;          // primary; replicas follow
  int replicas = 2;  // two: any one database server can be lost without losing writes (semi-sync)
  std::string name = "foobar";
  std::string app_user = "foobar_app";
  std::string replication_user = "foobar_repl";
  std::string monitor_user = "foobar_monitor";
  std::string schema;    // "": site/schema.sql found next to the binary
  int catch_up_timeout_s = 60;
  // Clients and replication over TLS only (require_secure_transport), with the
  // local CA's certificate (foobar up).
  bool tls = true;
};

// Prometheus and Alertmanager beside the stack (`foobar up`, when installed).
struct MonitoringSettings {
  bool enabled = true;
  int prometheus_port = 0;    // 0: the two slots after the app servers' admin listeners
  int alertmanager_port = 0;
};

// A machine of a real-hosts topology ([[host]]) and the roles it runs (each at most once).
struct Host {
  std::string name;
  std::string address;  // IPv4, unique
  std::vector<Role> roles;
  bool runs(Role role) const noexcept;
};

// Ports of every role on real hosts, where each role has a host of its own and
// so the same port everywhere (keys in the file override them).
struct HostPorts {
  static constexpr int lb_http = 80, lb_https = 443, lb_admin = 8404;
  static constexpr int web = 8080, web_admin = 8405;
  static constexpr int app = 9000, app_admin = 8406;
  static constexpr int db = 3306, ssh = 22;
};

struct Topology {
  std::string host = "127.0.0.1";  // address every internal node binds (one machine)
  int port_base = 18000;
  LbSettings lb;
  WebSettings web;
  AppSettings app;
  DbSettings db;
  MonitoringSettings monitoring;
  // Real hosts ([[host]]): empty for the one-machine stack of `foobar up`.
  std::vector<Host> hosts;
  std::vector<std::string> monitoring_from;  // [monitoring] from: hosts or CIDRs allowed to the admin ports
  std::vector<std::string> admin_from;       // [admin] from: hosts or CIDRs allowed to SSH
  std::string source = "<built-in default>";  // config file it came from

  bool on_hosts() const noexcept { return !hosts.empty(); }
  // The database servers speak TLS only, with certificates from the local CA
  // (foobar up's in the state dir; foobar render's in the secrets dir).
  bool db_tls() const noexcept { return db.enabled && db.tls; }
  std::string vip_address() const { return lb.vip.substr(0, lb.vip.find('/')); }  // "" without a VIP
  const Host* find_host(std::string_view name) const noexcept;
};

// One process of the stack, with its resolved address.
struct Node {
  std::string name;   // "lb" (on hosts "lb1", "lb2"), "web1", "app2", "db-primary", "db-replica1"
  Role role;
  std::string host;   // the [[host]] it runs on; "" on one machine
  int index = 0;      // 1-based within its tier
  net::Address address;  // where it serves (the lb: its public listener)
  net::Address admin;    // its admin listener (/metrics); unset (port 0) for DB nodes
};

// A config error; what() names the file, line and key.
using core::ConfigError;

// The built-in default topology with the given public port and internal port base.
Topology default_topology(int http_port = 8080, int port_base = 18000);

// Parses and validates a topology file. source names it in errors. http_port,
// port_base and https_port (command-line flags) override the file's values.
// Throws ConfigError.
Topology parse_topology(std::string_view text, const std::string& source, std::optional<int> http_port = {},
                        std::optional<int> port_base = {}, std::optional<int> https_port = {});
// Reads and parses a file (relative paths in it resolve against its folder).
Topology load_topology(const std::string& path, std::optional<int> http_port = {},
                       std::optional<int> port_base = {}, std::optional<int> https_port = {});

// s as a TOML basic string, quotes included (for the files foobar writes).
std::string toml_quote(const std::string& s);
// The lb's per-client limits as its [lb] keys, to follow a section's plain
// keys (the rules are tables of their own); "" for the defaults.
std::string client_limits_toml(const lb::ClientLimitsConfig& limits);

// The topology as a commented TOML file that parse_topology reads back identically.
std::string to_toml(const Topology& topo);

// Where `foobar up`'s Prometheus and Alertmanager listen (on topo.host).
struct MonitoringPorts {
  int prometheus, alertmanager;
  int mysqld_exporter;  // the first database node's; the others' follow
};
MonitoringPorts monitoring_ports(const Topology& topo);

// Every node, in start order: DB primary, replicas, app, web, lb. Internal ports
// not set explicitly are consecutive from port_base: lb admin, web, app, DB,
// then the web and app servers' admin listeners. On hosts, each node is at
// its host's address with the role's port (HostPorts unless set), in [[host]] order.
std::vector<Node> nodes(const Topology& topo);

}  // namespace foobar::ctl
