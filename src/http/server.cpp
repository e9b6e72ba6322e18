#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "http/connection.hpp"
#include "net/address.hpp"
#include "net/listener.hpp"

namespace foobar::http {

struct Server::Impl {
  ServerConfig config;
  tcp::endpoint local;
  std::vector<std::shared_ptr<Worker>> workers;
};

asio::awaitable<void> Worker::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(io, use_nothrow);
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
    std::make_shared<Connection>(self, std::move(socket))->start();
  }
}

// Enforces every connection's deadline; ticks at a quarter of the shortest timeout.
asio::awaitable<void> Worker::sweep_loop() {
  auto self = shared_from_this();
  auto shortest = std::min({limits.header_timeout, limits.keepalive_timeout, limits.body_timeout,
                            limits.send_timeout});
  auto tick = std::clamp<Clock::duration>(shortest / 4, std::chrono::milliseconds(20), std::chrono::seconds(1));
  for (;;) {
    sweeper.expires_after(tick);
    co_await sweeper.async_wait(use_nothrow);
    auto now = Clock::now();
    for (auto it = connections.begin(); it != connections.end();) (it++)->sweep(now);
    if (access_log) access_log->flush();
    if (stopping && connections.empty()) break;
  }
}

void Worker::stop() {
  if (stopping) return;
  stopping = true;
  error_code ec;
  acceptor.close(ec);
  for (auto it = connections.begin(); it != connections.end();) (it++)->stop_if_idle();
}

Server::Server(core::Runtime& rt, ServerConfig config, HandlerFactory factory)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  auto acceptors = net::open_listeners(rt, impl_->config.listen.endpoint());
  impl_->local = acceptors.front().local_endpoint();
  auto log = AccessLog::open(impl_->config.access_log);
  for (unsigned i = 0; i < rt.size(); ++i) {
    auto w = std::make_shared<Worker>(rt.context(i), std::move(acceptors[i]), impl_->config.limits);
    w->handler = factory(i, rt.context(i));
    if (log) w->access_log = std::make_unique<AccessLog::Writer>(log);
    asio::co_spawn(w->io, w->accept_loop(), asio::detached);
    asio::co_spawn(w->io, w->sweep_loop(), asio::detached);
    impl_->workers.push_back(std::move(w));
  }
  std::printf("%s listening on %s\n", impl_->config.name.c_str(), net::Address(impl_->local).str().c_str());
  std::fflush(stdout);
}

Server::~Server() = default;

const tcp::endpoint& Server::local_endpoint() const noexcept { return impl_->local; }

std::uint64_t Server::requests() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : impl_->workers) n += w->requests.load(std::memory_order_relaxed);
  return n;
}

std::unique_ptr<Server> open_admin(core::Runtime& rt, const ServerConfig& config, HandlerFactory factory) {
  if (!config.admin) return nullptr;
  ServerConfig ac;
  ac.name = "admin";
  ac.listen = *config.admin;
  if (!ac.listen.is_loopback())
    spdlog::warn("admin listener on {} is reachable from the network and has no authentication", ac.listen.str());
  return std::make_unique<Server>(rt, ac, std::move(factory));
}

void Server::stop() {
  for (auto& w : impl_->workers) asio::post(w->io, [w] { w->stop(); });
}

}  // namespace foobar::http
