#include "lb/lb_config.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "core/config.hpp"
#include "http/server_options.hpp"
#include "net/address.hpp"
#include "proxy/route_spec.hpp"

namespace foobar::lb {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

LbConfig::LbConfig() {
  server.name = "lb";
  server.listen = net::Address(tcp::endpoint(asio::ip::address_v4::any(), 80));
  server.limits.max_body_bytes = 0;  // bodies stream through; the backends decide
}

namespace {

constexpr double kMaxRate = 1e6;

Rate read_rate(const core::ConfigSection& t, std::string_view rate_key) {
  Rate r;
  const auto rate = t.number(rate_key, 0.001, kMaxRate);
  if (!rate) t.fail(rate_key, "missing");
  r.per_second = *rate;
  r.burst = std::max(1.0, t.number("burst", 1, kMaxRate).value_or(r.per_second));
  return r;
}

// [lb.tls] acme = { directory, domains, dir, email, ca, retry_ms }.
void read_acme(const core::ConfigSection& a, acme::AcmeSettings& out) {
  a.allow_only({"directory", "domains", "dir", "email", "ca", "retry_ms"});
  if (auto v = a.string("directory")) out.client.directory = *v;
  if (!out.client.directory.starts_with("https://")) a.fail("directory", "the ACME directory's https:// URL is required");
  if (auto v = a.strings("domains")) out.client.domains = *v;
  if (out.client.domains.empty()) a.fail("domains", "the certificate's names are required");
  if (auto v = a.string("dir")) out.dir = *v;
  if (out.dir.empty()) a.fail("dir", "a directory for the account key and the certificate is required");
  if (auto v = a.string("email")) out.client.email = *v;
  if (auto v = a.string("ca")) out.client.ca_file = *v;
  if (auto v = a.integer("retry_ms", 100, 3600 * 1000)) out.retry = ms(*v);
}

}  // namespace

void read_client_limits(const core::ConfigSection& lb, ClientLimitsConfig& out) {
  if (auto t = lb.table("rate_limit")) {
    t->allow_only({"requests_per_second", "burst"});
    out.requests = read_rate(*t, "requests_per_second");
  }
  const auto rules = lb.tables("rate_limit_rules");
  if (!rules.empty()) out.rules.clear();
  for (const auto& t : rules) {
    t.allow_only({"method", "prefix", "requests_per_second", "burst"});
    RateRule rule;
    rule.method = t.string("method").value_or("");
    rule.prefix = t.string("prefix").value_or("/");
    if (!rule.prefix.starts_with('/')) t.fail("prefix", "a path prefix starts with '/'");
    rule.rate = read_rate(t, "requests_per_second");
    if (out.rules.size() == ClientLimitsConfig::kMaxRules)
      t.fail("", fmt::format("at most {} rate_limit_rules", ClientLimitsConfig::kMaxRules));
    out.rules.push_back(std::move(rule));
  }
  if (auto v = lb.integer("max_connections_per_client", 0, 1 << 24)) out.max_connections = static_cast<std::uint32_t>(*v);
  if (auto t = lb.table("connection_rate")) {
    t->allow_only({"per_second", "burst"});
    out.connections = read_rate(*t, "per_second");
  }
  if (auto v = lb.integer("client_table_size", 8, 1 << 26)) out.table_size = static_cast<std::size_t>(*v);
}

std::vector<std::string> client_limit_flags(const ClientLimitsConfig& c) {
  std::vector<std::string> out;
  auto rate = [](const Rate& r) { return fmt::format("{}:{}", r.per_second, r.burst); };
  if (c.requests.on()) out.insert(out.end(), {"--rate-limit", rate(c.requests)});
  for (const auto& r : c.rules)
    out.insert(out.end(), {"--rate-limit-rule",
                           fmt::format("{}{}{}={}", r.method, r.method.empty() ? "" : " ", r.prefix, rate(r.rate))});
  if (c.max_connections) out.insert(out.end(), {"--max-connections-per-client", std::to_string(c.max_connections)});
  if (c.connections.on()) out.insert(out.end(), {"--connection-rate", rate(c.connections)});
  if (c.table_size != ClientLimitsConfig{}.table_size)
    out.insert(out.end(), {"--client-table-size", std::to_string(c.table_size)});
  return out;
}

void read_lb_config(const core::ConfigSection& lb, LbConfig& out) {
  lb.allow_only(http::server_config_keys(
      {"backends", "balance", "health_check", "health_interval_ms", "health_timeout_ms", "rise", "fall", "passive_fall",
                 "threads", "retries", "connect_timeout_ms", "server_timeout_ms", "queue_timeout_ms",
                 "max_queue", "pool_idle_max", "pool_idle_timeout_ms", "prometheus", "trusted_proxies", "rate_limit",
                 "rate_limit_rules", "max_connections_per_client", "connection_rate", "client_table_size", "backend_tls",
                 "backend_tls_ca", "backend_tls_name"}));
  http::read_server_config(lb, out.server, {"acme"});
  if (auto tls = lb.table("tls"))
    if (auto a = tls->table("acme")) read_acme(*a, out.acme);
  if (auto a = net::read_address(lb, "prometheus", net::Address::Use::Connect)) out.prometheus = *a;
  constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

  auto backends = lb.tables("backends");
  if (!backends.empty()) out.backends.clear();
  for (const auto& b : backends) {
    b.allow_only({"address", "weight", "backup", "maxconn"});
    auto addr = net::read_address(b, "address", net::Address::Use::Connect);
    if (!addr) b.fail("address", "missing (want \"HOST:PORT\")");
    proxy::ServerConfig s;
    s.address = *addr;
    if (auto w = b.integer("weight", 1, 1000)) s.weight = static_cast<unsigned>(*w);
    if (auto bk = b.boolean("backup")) s.backup = *bk;
    if (auto mc = b.integer("maxconn", 0, 1 << 24)) s.maxconn = static_cast<unsigned>(*mc);
    for (const auto& other : out.backends)
      if (other.name() == s.name()) b.fail("address", "backend listed twice: " + s.name());
    out.backends.push_back(std::move(s));
  }
  if (auto v = lb.string("balance")) {
    auto a = proxy::parse_algorithm(*v);
    if (!a) lb.fail("balance", "must be roundrobin, leastconn, source or random");
    out.proxy.algorithm = *a;
  }
  if (auto v = lb.string("health_check"))
    if (!proxy::parse_check(*v, out.check)) lb.fail("health_check", "must be tcp, none or http:/PATH");
  if (auto v = lb.integer("health_interval_ms", 10, day_ms)) out.check.interval = ms(*v);
  if (auto v = lb.integer("health_timeout_ms", 10, day_ms)) out.check.timeout = ms(*v);
  if (auto v = lb.integer("rise", 1, 1000)) out.health.rise = static_cast<unsigned>(*v);
  if (auto v = lb.integer("fall", 1, 1000)) out.health.fall = static_cast<unsigned>(*v);
  if (auto v = lb.integer("passive_fall", 0, 1000)) out.health.passive_fall = static_cast<unsigned>(*v);
  if (auto v = lb.integer("threads", 0, 1024)) out.threads = static_cast<unsigned>(*v);
  if (auto v = lb.integer("retries", 0, 100)) out.proxy.retries = static_cast<unsigned>(*v);
  if (auto v = lb.integer("connect_timeout_ms", 1, day_ms)) out.proxy.connect_timeout = ms(*v);
  if (auto v = lb.integer("server_timeout_ms", 1, day_ms)) out.proxy.server_timeout = ms(*v);
  if (auto v = lb.integer("queue_timeout_ms", 0, day_ms)) out.proxy.queue_timeout = ms(*v);
  if (auto v = lb.integer("max_queue", 0, 1 << 24)) out.proxy.max_queue = static_cast<std::size_t>(*v);
  if (auto v = lb.integer("pool_idle_max", 0, 1 << 20)) out.proxy.pool.idle_max = static_cast<std::size_t>(*v);
  if (auto v = lb.integer("pool_idle_timeout_ms", 1, day_ms)) out.proxy.pool.idle_timeout = ms(*v);
  if (lb.strings("trusted_proxies")) out.proxy.trusted_proxies = net::read_subnets(lb, "trusted_proxies");
  read_client_limits(lb, out.client_limits);
  proxy::read_backend_tls(lb, out.backend_tls);
}

Rate parse_rate(std::string_view text) {
  Rate r;
  const auto colon = text.find(':');
  auto number = [&](std::string_view t) {
    double v = 0;
    auto [end, err] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || err != std::errc() || end != t.data() + t.size() || !(v > 0) || v > kMaxRate)
      throw std::invalid_argument("want RATE[:BURST] with numbers from 0 to 1000000, not '" + std::string(text) + "'");
    return v;
  };
  r.per_second = number(text.substr(0, colon));
  r.burst = colon == std::string_view::npos ? std::max(1.0, r.per_second) : std::max(1.0, number(text.substr(colon + 1)));
  return r;
}

RateRule parse_rate_rule(std::string_view text) {
  RateRule rule;
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos) throw std::invalid_argument("want [METHOD ]PREFIX=RATE[:BURST], e.g. 'POST /api/posts=5'");
  auto target = text.substr(0, eq);
  if (const auto space = target.find(' '); space != std::string_view::npos) {
    rule.method = std::string(target.substr(0, space));
    target = target.substr(space + 1);
  }
  if (!target.starts_with('/')) throw std::invalid_argument("a rule's path prefix starts with '/': '" + std::string(text) + "'");
  rule.prefix = std::string(target);
  rule.rate = parse_rate(text.substr(eq + 1));
  return rule;
}

void validate(const LbConfig& cfg) {
  bool primary = false;
  for (const auto& b : cfg.backends) primary |= !b.backup;
  if (!primary) throw std::invalid_argument("no backend: give --backend HOST:PORT or [lb] backends in --config");
  for (std::size_t i = 0; i < cfg.backends.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.backends[i].name() == cfg.backends[j].name())
        throw std::invalid_argument("backend listed twice: " + cfg.backends[i].name());
  if (cfg.client_limits.rules.size() > ClientLimitsConfig::kMaxRules)
    throw std::invalid_argument(fmt::format("at most {} rate limit rules", ClientLimitsConfig::kMaxRules));
  const auto& a = cfg.acme;
  if (a.enabled() && !cfg.server.tls.enabled())
    throw std::invalid_argument("ACME issues certificates for a TLS listener: add --listen-tls");
  if (a.enabled() && (a.client.domains.empty() || a.dir.empty()))
    throw std::invalid_argument("ACME needs --acme-domain (one or more) and --acme-dir");
  if (a.enabled() && !a.client.directory.starts_with("https://"))
    throw std::invalid_argument("--acme-directory: the ACME directory's https:// URL");
  if (a.enabled() && cfg.server.tls.only)
    throw std::invalid_argument("ACME's HTTP-01 challenge comes over plain HTTP: not with --tls-only");
  if (!a.enabled() && (!a.client.domains.empty() || !a.dir.empty() || !a.client.email.empty() || !a.client.ca_file.empty()))
    throw std::invalid_argument("--acme-* settings without --acme-directory");
}

}  // namespace foobar::lb
