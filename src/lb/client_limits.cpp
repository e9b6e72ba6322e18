#include "lb/client_limits.hpp"

#include <chrono>
#include <cmath>

#include "http/error_response.hpp"

namespace foobar::lb {

namespace {

constexpr std::size_t kConnectionBucket = 0, kRequestBucket = 1, kFirstRule = 2;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<Rate> bucket_rates(const ClientLimitsConfig& c) {
  std::vector<Rate> r{c.connections, c.requests};
  for (const auto& rule : c.rules) r.push_back(rule.rate);
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

asio::ip::address client_address(const http::Request& req, const asio::ip::address& peer,
                                 const std::vector<net::Subnet>& trusted) {
  if (!net::any_contains(trusted, peer)) return peer;
  // Right to left over every X-Forwarded-For line: each hop appended the one before it.
  auto client = peer;
  const auto& fields = req.headers.fields;
  for (auto f = fields.rbegin(); f != fields.rend(); ++f) {
    if (!http::iequals(f->name, "X-Forwarded-For")) continue;
    std::string_view list = f->value;
    while (!list.empty()) {
      const auto comma = list.rfind(',');
      const auto item = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      error_code ec;
      const auto a = asio::ip::make_address(std::string(item), ec);
      if (ec) return client;  // not an address: trust nothing further left
      client = a;
      if (!net::any_contains(trusted, a)) return client;
    }
  }
  return client;
}

ClientLimits::ClientLimits(ClientLimitsConfig config, std::vector<net::Subnet> trusted,
                           core::metrics::Registry& metrics)
    : config_(std::move(config)), trusted_(std::move(trusted)), table_(config_.table_size, bucket_rates(config_)) {
  constexpr std::string_view name = "foobar_lb_limited_total";
  constexpr std::string_view help = "Requests answered 429 and connections reset by the per-client limits.";
  request_rate_ = &metrics.counter(name, help, {{"reason", "request_rate"}});
  too_many_ = &metrics.counter(name, help, {{"reason", "connections"}});
  too_fast_ = &metrics.counter(name, help, {{"reason", "connection_rate"}});
  metrics.callback("foobar_lb_clients_tracked", "Client addresses in the limits' table.", {},
                   [this] { return static_cast<double>(table_.in_use()); });
  metrics.callback("foobar_lb_clients_capacity", "Client addresses the limits' table holds at most.", {},
                   [this] { return static_cast<double>(table_.capacity()); });
  metrics.callback("foobar_lb_client_evictions_total",
                   "Clients dropped from the full table for a new one (their limits start over).", {},
                   [this] { return static_cast<double>(table_.evictions()); }, true);
}

bool ClientLimits::admit(const tcp::endpoint& peer, unsigned worker) {
  const auto a = peer.address();
  if (net::any_contains(trusted_, a)) return true;  // many clients behind one address
  const auto bucket = config_.connections.on() ? kConnectionBucket : ClientTable::kBuckets;
  switch (table_.open(a, config_.max_connections, bucket, now_ns())) {
    case ClientTable::Open::Yes: return true;
    case ClientTable::Open::TooMany: too_many_->add(worker); return false;
    case ClientTable::Open::TooFast: too_fast_->add(worker); return false;
  }
  return false;
}

void ClientLimits::closed(const tcp::endpoint& peer) noexcept {
  if (!net::any_contains(trusted_, peer.address())) table_.closed(peer.address());
}

double ClientLimits::take(const http::Request& req, const asio::ip::address& peer) {
  unsigned mask = config_.requests.on() ? 1u << kRequestBucket : 0;
  for (std::size_t i = 0; i < config_.rules.size(); ++i) {
    const auto& r = config_.rules[i];
    if ((r.method.empty() || r.method == req.method_text) && req.path.starts_with(r.prefix))
      mask |= 1u << (kFirstRule + i);
  }
  if (mask == 0) return 0;
  return table_.take(client_address(req, peer, trusted_), mask, now_ns());
}

class RateLimitHandler final : public http::Handler {
 public:
  RateLimitHandler(std::shared_ptr<ClientLimits> limits, unsigned worker) : limits_(std::move(limits)), worker_(worker) {}

  asio::awaitable<http::Outcome> handle(http::Exchange& ex) override {
    const double wait = limits_->take(ex.request(), ex.peer().address());
    if (wait <= 0) co_return http::Outcome::Declined;
    limits_->request_rate_->add(worker_);
    co_await http::send_error(ex, 429, "too many requests from your address",
                              {.retry_after = static_cast<unsigned>(std::ceil(wait))});
    co_return http::Outcome::Handled;
  }

 private:
  std::shared_ptr<ClientLimits> limits_;
  unsigned worker_;
};

std::unique_ptr<http::Handler> ClientLimits::handler(unsigned worker) {
  return std::make_unique<RateLimitHandler>(shared_from_this(), worker);
}

}  // namespace foobar::lb
