#include "ctl/topology.hpp"

#include <arpa/inet.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

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

std::string Endpoint::str() const { return fmt::format("{}:{}", host, port); }

Topology default_topology(int http_port, int port_base) {
  Topology t;
  t.lb.listen.port = http_port;
  t.port_base = port_base;
  return t;
}

namespace {

bool is_ipv4(const std::string& host) {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

// Reads one TOML table, remembering which keys it knows so the rest are errors.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string prefix, const std::string& source)
      : t_(t), prefix_(std::move(prefix)), source_(source) {}

  [[noreturn]] void fail(const toml::node* n, const std::string& key, const std::string& what) const {
    int line = n ? static_cast<int>(n->source().begin.line) : static_cast<int>(t_.source().begin.line);
    throw ConfigError(fmt::format("{}:{}: key '{}{}': {}", source_, line, prefix_, key, what));
  }

  const toml::node* get(const std::string& key) {
    known_.insert(key);
    return t_.get(key);
  }

  void integer(const std::string& key, int& out, long lo, long hi) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<int64_t>();
    if (!v || *v < lo || *v > hi) fail(n, key, fmt::format("expected an integer from {} to {}", lo, hi));
    out = static_cast<int>(*v);
  }
  void number(const std::string& key, double& out, double lo, double hi) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value<double>();  // integers convert
    if (!v || *v < lo || *v > hi) fail(n, key, fmt::format("expected a number from {} to {}", lo, hi));
    out = *v;
  }
  void boolean(const std::string& key, bool& out) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<bool>();
    if (!v) fail(n, key, "expected true or false");
    out = *v;
  }
  void string(const std::string& key, std::string& out, bool allow_empty = false) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<std::string>();
    if (!v || (!allow_empty && v->empty())) fail(n, key, "expected a non-empty string");
    out = *v;
  }
  void one_of(const std::string& key, std::string& out, std::initializer_list<std::string_view> allowed) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<std::string>();
    bool ok = false;
    if (v)
      for (auto a : allowed) ok = ok || *v == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", a);
      fail(n, key, "expected one of " + list);
    }
    out = *v;
  }
  void ipv4(const std::string& key, std::string& out) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<std::string>();
    if (!v || !is_ipv4(*v)) fail(n, key, "expected an IPv4 address such as \"127.0.0.1\"");
    out = *v;
  }
  void endpoint(const std::string& key, Endpoint& out) {
    const toml::node* n = get(key);
    if (!n) return;
    auto v = n->value_exact<std::string>();
    auto colon = v ? v->rfind(':') : std::string::npos;
    Endpoint e;
    if (colon != std::string::npos) {
      e.host = v->substr(0, colon);
      try {
        std::size_t used = 0;
        std::string p = v->substr(colon + 1);
        e.port = std::stoi(p, &used);
        if (used != p.size()) e.port = 0;
      } catch (const std::exception&) {
        e.port = 0;
      }
    }
    if (colon == std::string::npos || !is_ipv4(e.host) || e.port < 1 || e.port > 65535)
      fail(n, key, "expected \"IPV4:PORT\" with a port from 1 to 65535, e.g. \"127.0.0.1:8080\"");
    out = e;
  }
  // A sub-table; error if the key holds something else.
  const toml::table* table(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, key, "expected a table");
    return n->as_table();
  }
  void finish() const {
    for (auto&& [k, v] : t_) {
      std::string key(k.str());
      if (!known_.count(key)) fail(&v, key, "unknown key (see docs/configuration.md)");
    }
  }

 private:
  const toml::table& t_;
  std::string prefix_;
  const std::string& source_;
  std::set<std::string> known_;
};

void validate(const Topology& t, const std::string& source) {
  auto err = [&](const std::string& key, const std::string& what) {
    throw ConfigError(fmt::format("{}: key '{}': {}", source, key, what));
  };
  if (t.lb.enabled && t.web.count == 0) err("web.count", "the lb needs at least one web server");
  if (t.app.count > 0 && !t.db.enabled) err("db.enabled", "app servers need the database");
  if (t.lb.health_check != "tcp" && t.lb.health_check.rfind("http:/", 0) != 0)
    err("lb.health_check", "expected \"tcp\" or \"http:/PATH\"");
  // Two listeners on one port would fail at start; say so now, naming both.
  std::vector<std::pair<std::string, Endpoint>> listeners;
  for (const Node& n : nodes(t)) {
    listeners.emplace_back(n.name, n.address);
    if (n.role == Role::lb) listeners.emplace_back("lb admin", n.admin);
  }
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const auto& [name, e] = listeners[i];
    if (e.port < 1 || e.port > 65535)
      err("port_base", fmt::format("{} would get port {}, outside 1..65535", name, e.port));
    for (std::size_t j = 0; j < i; ++j) {
      const auto& [other, o] = listeners[j];
      if (o.port == e.port && (o.host == e.host || o.host == "0.0.0.0" || e.host == "0.0.0.0"))
        err("port", fmt::format("{} and {} would both use port {}", other, name, e.port));
    }
  }
}

}  // namespace

std::vector<Node> nodes(const Topology& t) {
  // Slots from port_base in a fixed order, so the same file always gives the same ports.
  int next = t.port_base;
  int lb_admin = next++;
  int web_first = next;
  next += t.web.count;
  int app_first = next;
  next += t.app.count;
  int db_first = next;

  std::vector<Node> out;
  if (t.db.enabled) {
    int port = t.db.port ? t.db.port : db_first;
    out.push_back({"db-primary", Role::db_primary, 1, {t.host, port}, {}});
    for (int i = 1; i <= t.db.replicas; ++i)
      out.push_back({fmt::format("db-replica{}", i), Role::db_replica, i, {t.host, port + i}, {}});
  }
  for (int i = 1; i <= t.app.count; ++i)
    out.push_back({fmt::format("app{}", i), Role::app, i,
                   {t.host, (t.app.port ? t.app.port : app_first) + i - 1}, {}});
  for (int i = 1; i <= t.web.count; ++i)
    out.push_back({fmt::format("web{}", i), Role::web, i,
                   {t.host, (t.web.port ? t.web.port : web_first) + i - 1}, {}});
  if (t.lb.enabled)
    out.push_back({"lb", Role::lb, 1, t.lb.listen,
                   {t.host, t.lb.admin_port ? t.lb.admin_port : lb_admin}});
  return out;
}

Topology parse_topology(std::string_view text, const std::string& source,
                        std::optional<int> http_port, std::optional<int> port_base) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  Topology t;
  t.source = source;
  TableReader top(root, "", source);
  top.ipv4("host", t.host);
  top.integer("port_base", t.port_base, 1, 65535);
  if (auto* lb = top.table("lb")) {
    TableReader r(*lb, "lb.", source);
    r.boolean("enabled", t.lb.enabled);
    r.endpoint("listen", t.lb.listen);
    r.integer("admin_port", t.lb.admin_port, 1, 65535);
    r.one_of("balance", t.lb.balance, {"roundrobin", "leastconn", "source", "random"});
    r.string("health_check", t.lb.health_check);
    r.integer("health_interval_ms", t.lb.health_interval_ms, 10, 3600000);
    r.integer("rise", t.lb.rise, 1, 100);
    r.integer("fall", t.lb.fall, 1, 100);
    r.integer("threads", t.lb.threads, 0, 256);
    r.finish();
  }
  if (auto* web = top.table("web")) {
    TableReader r(*web, "web.", source);
    r.integer("count", t.web.count, 0, 64);
    r.integer("port", t.web.port, 1, 65535);
    r.string("root", t.web.root);
    r.integer("threads", t.web.threads, 0, 256);
    r.boolean("access_log", t.web.access_log);
    r.finish();
  }
  if (auto* app = top.table("app")) {
    TableReader r(*app, "app.", source);
    r.integer("count", t.app.count, 0, 64);
    r.integer("port", t.app.port, 1, 65535);
    r.integer("threads", t.app.threads, 0, 256);
    r.number("max_replica_lag", t.app.max_replica_lag, 0, 86400);
    r.boolean("access_log", t.app.access_log);
    r.finish();
  }
  if (auto* db = top.table("db")) {
    TableReader r(*db, "db.", source);
    r.boolean("enabled", t.db.enabled);
    r.integer("port", t.db.port, 1, 65535);
    r.integer("replicas", t.db.replicas, 0, 16);
    r.string("name", t.db.name);
    r.string("app_user", t.db.app_user);
    r.string("replication_user", t.db.replication_user);
    r.string("monitor_user", t.db.monitor_user);
    r.string("schema", t.db.schema);
    r.integer("catch_up_timeout_s", t.db.catch_up_timeout_s, 1, 3600);
    r.finish();
  }
  top.finish();
  if (http_port) t.lb.listen.port = *http_port;
  if (port_base) t.port_base = *port_base;
  validate(t, source);
  return t;
}

Topology load_topology(const std::string& path, std::optional<int> http_port,
                       std::optional<int> port_base) {
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("{}: cannot read the config file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Topology t = parse_topology(ss.str(), path, http_port, port_base);
  auto dir = std::filesystem::absolute(path).parent_path();
  for (std::string* p : {&t.web.root, &t.db.schema})
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (dir / *p).lexically_normal().string();
  return t;
}

namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
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

std::string to_toml(const Topology& t) {
  auto all = nodes(t);
  auto first = [&](Role r) {
    for (auto& n : all)
      if (n.role == r) return n.address.port;
    return 0;
  };
  int lb_admin = t.port_base;  // slot 0, as in nodes()
  std::string o;
  o += "# foobar topology: `foobar up --config FILE` runs it; every key is in docs/configuration.md.\n";
  o += "# Internal ports without an explicit value are consecutive from port_base:\n";
  o += "# lb admin, web servers, app servers, DB primary, DB replicas.\n\n";
  o += line("host = " + quoted(t.host), "address every internal node binds");
  o += fmt::format("port_base = {}\n\n", t.port_base);

  o += line("[lb]", "the HAProxy role: the site's public entry");
  o += fmt::format("enabled = {}\n", t.lb.enabled);
  o += line("listen = " + quoted(t.lb.listen.str()), "--http-port overrides the port");
  o += port_line("admin_port", t.lb.admin_port, lb_admin);
  o += line("balance = " + quoted(t.lb.balance), "roundrobin | leastconn | source | random");
  o += line("health_check = " + quoted(t.lb.health_check), "tcp | http:/PATH");
  o += fmt::format("health_interval_ms = {}\n", t.lb.health_interval_ms);
  o += fmt::format("rise = {}\nfall = {}\n", t.lb.rise, t.lb.fall);
  o += line(fmt::format("threads = {}", t.lb.threads), "0: one per CPU") + "\n";

  o += line("[web]", "the nginx role: static files, /api/ proxied to app");
  o += fmt::format("count = {}\n", t.web.count);
  o += port_line("port", t.web.port, first(Role::web) ? first(Role::web) : t.port_base + 1);
  if (t.web.root.empty())
    o += line("# root = \"site/public\"", "default: site/public next to the foobar binary");
  else
    o += fmt::format("root = {}\n", quoted(t.web.root));
  o += fmt::format("threads = {}\n", t.web.threads);
  o += fmt::format("access_log = {}\n\n", t.web.access_log);

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
  o += fmt::format("name = {}\n", quoted(t.db.name));
  o += fmt::format("app_user = {}\n", quoted(t.db.app_user));
  o += fmt::format("replication_user = {}\n", quoted(t.db.replication_user));
  o += fmt::format("monitor_user = {}\n", quoted(t.db.monitor_user));
  if (t.db.schema.empty())
    o += line("# schema = \"site/schema.sql\"", "default: site/schema.sql next to the foobar binary");
  else
    o += fmt::format("schema = {}\n", quoted(t.db.schema));
  o += fmt::format("catch_up_timeout_s = {}\n", t.db.catch_up_timeout_s);
  return o;
}

}  // namespace foobar::ctl
