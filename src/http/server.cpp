#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include <fmt/format.h>

#include "core/config.hpp"
#include "http/connection.hpp"
#include "http/handler_chain.hpp"
#include "http/https_redirect.hpp"
#include "http/server_metrics.hpp"
#include "net/address.hpp"
#include "net/listener.hpp"
#include "net/tls_service.hpp"

namespace foobar::http {

struct Server::Impl {
  ServerConfig config;
  tcp::endpoint local;
  std::vector<tcp::endpoint> tls_local;
  std::shared_ptr<net::TlsService> tls;
  std::vector<std::shared_ptr<Worker>> workers;
  std::unique_ptr<ServerMetrics> metrics;
};

asio::awaitable<void> Worker::accept_loop(Listener& listener) {
  auto self = shared_from_this();
  while (!stopping) {
    tcp::endpoint peer;  // filled by accept(2) itself: no getpeername(2)
    auto [ec, socket] = co_await listener.acceptor.async_accept(io, peer, use_nothrow);
    if (stopping) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      // Out of fds or memory: back off instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(100));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    if (connections.size() >= limits.max_connections) continue;  // socket closes here
    if (gate) {
      if (!gate->admit(peer, index)) {
        error_code ignore;
        socket.set_option(asio::socket_base::linger(true, 0), ignore);  // a reset, at once: no FIN_WAIT kept
        continue;
      }
    }
    std::make_shared<Connection>(self, std::move(socket), peer, listener.tls)->start();
  }
}

// Enforces every connection's deadline; ticks at a quarter of the shortest timeout.
asio::awaitable<void> Worker::sweep_loop() {
  auto self = shared_from_this();
  auto shortest = std::min({limits.header_timeout, limits.keepalive_timeout, limits.body_timeout,
                            limits.send_timeout});
  if (tls) shortest = std::min(shortest, tls->config().handshake_timeout);
  auto tick = std::clamp<Clock::duration>(shortest / 4, std::chrono::milliseconds(20), std::chrono::seconds(1));
  auto next_upkeep = Clock::now() + net::TlsService::kMaintainEvery;
  for (;;) {
    sweeper.expires_after(tick);
    co_await sweeper.async_wait(use_nothrow);
    auto now = Clock::now();
    if (maintains_tls && now >= next_upkeep) {
      tls->maintain();
      next_upkeep = now + net::TlsService::kMaintainEvery;
    }
    for (auto it = connections.begin(); it != connections.end();) (it++)->sweep(now);
    if (access_log) access_log->flush();
    if (stopping && connections.empty()) break;
  }
}

void Worker::stop() {
  if (stopping) return;
  stopping = true;
  error_code ec;
  for (auto& l : listeners) l.acceptor.close(ec);
  for (auto it = connections.begin(); it != connections.end();) (it++)->stop_if_idle();
}

Server::Server(core::Runtime& rt, ServerConfig config, HandlerFactory factory)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  const auto& cfg = impl_->config;
  // Two listeners on one address would both bind (SO_REUSEPORT) and split its connections.
  std::vector<net::Address> addresses;
  if (!cfg.tls.only) addresses.push_back(cfg.listen);
  if (cfg.admin) addresses.push_back(*cfg.admin);
  addresses.insert(addresses.end(), cfg.tls.listen.begin(), cfg.tls.listen.end());
  for (std::size_t i = 0; i < addresses.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (addresses[i].port() != 0 && addresses[i] == addresses[j])
        throw core::ConfigError(fmt::format("{}: two listeners on {}", cfg.name, addresses[i].str()));
  if ((cfg.tls.redirect_https || cfg.tls.only) && !cfg.tls.enabled())
    throw core::ConfigError(fmt::format("{}: --{} needs a TLS listener (--listen-tls)", cfg.name,
                                        cfg.tls.only ? "tls-only" : "redirect-https"));
  if (cfg.tls.redirect_https && cfg.tls.only)
    throw core::ConfigError(fmt::format("{}: --redirect-https needs a plain listener (not --tls-only)", cfg.name));
  if (cfg.tls.enabled()) {
    impl_->tls = std::make_shared<net::TlsService>(cfg.tls);
    rt.on_reload([tls = impl_->tls] {
      if (auto why = tls->reload(); !why.empty())
        spdlog::error("tls reload failed, keeping the certificates in use: {}", why);
      else
        spdlog::info("tls: certificates reloaded");
    });
  }
  std::string hsts;
  if (cfg.tls.hsts_max_age > 0)
    hsts = fmt::format("max-age={}{}", cfg.tls.hsts_max_age, cfg.tls.hsts_include_subdomains ? "; includeSubDomains" : "");

  // Every worker gets one acceptor per address: the plain one, then the TLS ones.
  std::vector<std::pair<std::vector<tcp::acceptor>, bool>> per_address;
  if (!cfg.tls.only) {
    per_address.emplace_back(net::open_listeners(rt, cfg.listen.endpoint()), false);
    impl_->local = per_address.front().first.front().local_endpoint();
  }
  for (const auto& a : cfg.tls.listen) {
    per_address.emplace_back(net::open_listeners(rt, a.endpoint()), true);
    impl_->tls_local.push_back(per_address.back().first.front().local_endpoint());
  }
  if (cfg.tls.only) impl_->local = impl_->tls_local.front();
  auto log = AccessLog::open(cfg.access_log, cfg.access_log_format);
  if (cfg.metrics)
    impl_->metrics = std::make_unique<ServerMetrics>(*cfg.metrics, cfg.name, cfg.limits.max_connections * rt.size(),
                                                     [tls = impl_->tls] {
      return tls ? tls->failed_handshakes() : 0;
    });
  for (unsigned i = 0; i < rt.size(); ++i) {
    auto w = std::make_shared<Worker>(rt.context(i), cfg.limits);
    w->index = i;
    w->metrics = impl_->metrics.get();
    w->gate = cfg.gate;
    for (auto& [acceptors, tls] : per_address) w->listeners.push_back({std::move(acceptors[i]), tls});
    w->tls = impl_->tls;
    w->hsts = hsts;
    w->maintains_tls = impl_->tls && i == 0;
    auto handler = factory(i, rt.context(i));
    const bool redirect = cfg.tls.enabled() && cfg.tls.redirect_https;
    if (redirect || cfg.acme) {
      auto chain = std::make_unique<HandlerChain>();
      if (cfg.acme) chain->add(std::make_unique<AcmeChallengeHandler>(cfg.acme));
      if (redirect) chain->add(std::make_unique<HttpsRedirect>(impl_->tls_local.front().port()));
      chain->add(std::move(handler));
      handler = std::move(chain);
    }
    w->handler = std::move(handler);
    if (log) w->access_log = std::make_unique<AccessLog::Writer>(log);
    for (auto& l : w->listeners) asio::co_spawn(w->io, w->accept_loop(l), asio::detached);
    asio::co_spawn(w->io, w->sweep_loop(), asio::detached);
    impl_->workers.push_back(std::move(w));
  }
  if (!cfg.tls.only) std::printf("%s listening on %s\n", cfg.name.c_str(), net::Address(impl_->local).str().c_str());
  for (const auto& ep : impl_->tls_local)
    std::printf("%s listening on %s (tls)\n", cfg.name.c_str(), net::Address(ep).str().c_str());
  std::fflush(stdout);
}

Server::~Server() = default;

const tcp::endpoint& Server::local_endpoint() const noexcept { return impl_->local; }

std::string Server::reload_tls() { return impl_->tls ? impl_->tls->reload() : "no TLS listener"; }

const std::vector<tcp::endpoint>& Server::tls_endpoints() const noexcept { return impl_->tls_local; }


std::unique_ptr<Server> open_admin(core::Runtime& rt, const ServerConfig& config, core::metrics::Registry& metrics,
                                   HandlerFactory factory) {
  if (!config.admin) return nullptr;
  if (!config.admin->is_loopback() && config.admin_auth.token_file.empty())
    throw core::ConfigError(fmt::format(
        "{}: admin listener {} is off loopback: it needs admin_token_file (--admin-token-file), or a loopback address",
        config.name, config.admin->str()));
  ServerConfig ac;
  ac.name = "admin";
  ac.listen = *config.admin;
  auto auth = std::make_shared<AdminAuth>(config.admin_auth, metrics);
  return std::make_unique<Server>(rt, ac, [auth, factory = std::move(factory)](unsigned worker, asio::io_context& io) {
    auto chain = std::make_unique<HandlerChain>();
    chain->add(AdminAuth::gate(auth, worker));
    chain->add(factory(worker, io));
    return chain;
  });
}

void Server::stop() {
  for (auto& w : impl_->workers) asio::post(w->io, [w] { w->stop(); });
}

}  // namespace foobar::http
