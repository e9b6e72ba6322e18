#include "proxy/health_check.hpp"

#include <vector>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "http/parser.hpp"
#include "net/endpoint.hpp"
#include "proxy/watchdog.hpp"

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
  State(asio::io_context& io, std::shared_ptr<UpstreamGroup> g, CheckConfig c)
      : io(io), group(std::move(g)), cfg(std::move(c)) {}
  asio::io_context& io;
  std::shared_ptr<UpstreamGroup> group;
  CheckConfig cfg;
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
  Watchdog dog(co_await asio::this_coro::executor);
  auto ep = net::parse_endpoint(srv.name());
  if (!ep) co_return std::pair{false, std::string("address is not numeric")};
  dog.start(sock, st.cfg.timeout);
  auto [cec] = co_await sock.async_connect(*ep, use_nothrow);
  if (cec) co_return std::pair{false, dog.expired() ? std::string("connect: timeout") : "connect: " + cec.message()};
  if (st.cfg.kind == CheckConfig::Kind::Tcp) co_return std::pair{true, std::string("tcp ok")};

  const std::string req = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: foobar-health-check\r\nConnection: close\r\n\r\n",
      st.cfg.path, srv.name());
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(req), use_nothrow);
  if (wec) co_return std::pair{false, "send: " + wec.message()};
  std::string buf(16 * 1024 + 512, '\0');
  std::size_t have = 0;
  http::ResponseParser parser;
  http::Response resp;
  for (;;) {
    if (have == buf.size()) co_return std::pair{false, std::string("response head too large")};
    auto [rec2, n] = co_await sock.async_read_some(asio::buffer(buf.data() + have, buf.size() - have), use_nothrow);
    if (rec2) co_return std::pair{false, dog.expired() ? std::string("response: timeout") : "response: " + rec2.message()};
    have += n;
    auto r = parser.parse(std::string_view(buf.data(), have), http::Method::Get, resp);
    if (r.status == http::ParseStatus::Error) co_return std::pair{false, std::string("invalid response")};
    if (r.status == http::ParseStatus::Incomplete) continue;
    if (resp.status < 200) {  // 1xx: skip it
      buf.erase(0, resp.head_size);
      buf.resize(16 * 1024 + 512);
      have -= resp.head_size;
      parser.reset();
      resp.clear();
      continue;
    }
    const bool ok = resp.status >= 200 && resp.status < 400;
    co_return std::pair{ok, fmt::format("HTTP {}", resp.status)};
  }
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

HealthChecker::HealthChecker(asio::io_context& io, std::shared_ptr<UpstreamGroup> group, CheckConfig cfg)
    : st_(std::make_shared<State>(io, std::move(group), std::move(cfg))) {}

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
