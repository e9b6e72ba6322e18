#include "proxy/health_check.hpp"

#include <vector>

#include <fmt/format.h>

#include "http/client.hpp"
#include "net/watchdog.hpp"

namespace foobar::proxy {

bool parse_check(std::string_view text, CheckConfig& cfg) {
  if (text == "tcp") { cfg.kind = CheckConfig::Kind::Tcp; return true; }
  if (text == "none") { cfg.kind = CheckConfig::Kind::None; return true; }
  if (text.starts_with("http:/")) {
    cfg.kind = CheckConfig::Kind::Http;
    cfg.path = std::string(text.substr(5));
    for (char c : cfg.path)
      if (c <= ' ' || c == 0x7f) return false;
    return true;
  }
  return false;
}

std::string describe(const CheckConfig& cfg) {
  switch (cfg.kind) {
    case CheckConfig::Kind::Tcp: return "tcp";
    case CheckConfig::Kind::Http: return "http:" + cfg.path;
    case CheckConfig::Kind::None: return "none";
  }
  return "?";
}

struct HealthChecker::State {
  State(asio::io_context& io, std::shared_ptr<UpstreamGroup> g, CheckConfig c,
        std::shared_ptr<const net::TlsClientContext> t)
      : io(io), group(std::move(g)), cfg(std::move(c)), tls(std::move(t)) {}
  asio::io_context& io;
  std::shared_ptr<UpstreamGroup> group;
  CheckConfig cfg;
  std::shared_ptr<const net::TlsClientContext> tls;
  bool stopped = false;
  std::vector<asio::steady_timer*> timers;  // live interval timers, cancelled by stop()
  std::vector<tcp::socket*> sockets;        // live check sockets, closed by stop()
};

namespace {

template <class T>
void erase_one(std::vector<T*>& v, T* p) {
  for (auto& x : v)
    if (x == p) { x = v.back(); v.pop_back(); return; }
}

// One check of server i; returns (ok, detail).
asio::awaitable<std::pair<bool, std::string>> check_once(HealthChecker::State& st, std::size_t i,
                                                         tcp::socket& sock) {
  const auto& srv = st.group->servers()[i];
  const tcp::endpoint& ep = srv.address.endpoint();
  if (st.cfg.kind == CheckConfig::Kind::Tcp) {
    net::Watchdog dog(co_await asio::this_coro::executor);
    dog.start(sock, st.cfg.timeout);
    auto [ec] = co_await sock.async_connect(ep, use_nothrow);
    if (ec) co_return std::pair{false, dog.expired() ? std::string("connect: timeout") : "connect: " + ec.message()};
    co_return std::pair{true, std::string("tcp ok")};
  }
  auto ex = co_await asio::this_coro::executor;
  auto r = co_await http::fetch(
      ex, ep,
      fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: foobar-health-check\r\nConnection: close\r\n\r\n",
                  st.cfg.path, srv.name()),
      http::Method::Get, st.cfg.timeout, 64 * 1024, st.tls);
  if (r.status == 0) co_return std::pair{false, r.error};
  const bool ok = r.status >= 200 && r.status < 400;
  co_return std::pair{ok, fmt::format("HTTP {}", r.status)};
}

asio::awaitable<void> check_loop(std::shared_ptr<HealthChecker::State> st, std::size_t i) {
  asio::steady_timer timer(st->io);
  st->timers.push_back(&timer);
  while (!st->stopped) {
    {
      tcp::socket sock(st->io);
      st->sockets.push_back(&sock);
      auto [ok, detail] = co_await check_once(*st, i, sock);
      erase_one(st->sockets, &sock);
      if (st->stopped) break;
      st->group->report_check(i, ok, std::move(detail));
    }
    timer.expires_after(st->cfg.interval);
    co_await timer.async_wait(use_nothrow);
  }
  erase_one(st->timers, &timer);
}

}  // namespace

HealthChecker::HealthChecker(asio::io_context& io, std::shared_ptr<UpstreamGroup> group, CheckConfig cfg,
                             std::shared_ptr<const net::TlsClientContext> tls)
    : st_(std::make_shared<State>(io, std::move(group), std::move(cfg), std::move(tls))) {}

HealthChecker::~HealthChecker() { st_->stopped = true; }

void HealthChecker::start() {
  if (st_->cfg.kind == CheckConfig::Kind::None) return;
  for (std::size_t i = 0; i < st_->group->size(); ++i)
    asio::co_spawn(st_->io, check_loop(st_, i), asio::detached);
}

void HealthChecker::stop() {
  st_->stopped = true;
  for (auto* t : st_->timers) t->cancel();
  error_code ec;
  for (auto* s : st_->sockets) s->close(ec);
}

}  // namespace foobar::proxy
