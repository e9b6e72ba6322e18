#include "lb/lb_config.hpp"

#include <stdexcept>

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

void read_lb_config(const core::ConfigSection& lb, LbConfig& out) {
  lb.allow_only(http::server_config_keys(
      {"backends", "balance", "health_check", "health_interval_ms", "health_timeout_ms", "rise", "fall", "passive_fall",
                 "threads", "retries", "connect_timeout_ms", "server_timeout_ms", "queue_timeout_ms",
                 "max_queue", "pool_idle_max", "pool_idle_timeout_ms", "prometheus"}));
  http::read_server_config(lb, out.server);
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
}

void validate(const LbConfig& cfg) {
  bool primary = false;
  for (const auto& b : cfg.backends) primary |= !b.backup;
  if (!primary) throw std::invalid_argument("no backend: give --backend HOST:PORT or [lb] backends in --config");
  for (std::size_t i = 0; i < cfg.backends.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.backends[i].name() == cfg.backends[j].name())
        throw std::invalid_argument("backend listed twice: " + cfg.backends[i].name());
}

}  // namespace foobar::lb
