#pragma once
// The lb's abuse limits per client address (issue 13 §4): a request rate with
// optional per method and path-prefix rules (429 + Retry-After beyond them),
// and open connections and new connections per second (reset at accept).
// The client is the peer, or, when the peer is a trusted proxy, the nearest
// untrusted address of its X-Forwarded-For. State lives in a ClientTable.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "http/exchange.hpp"
#include "http/server.hpp"
#include "lb/client_table.hpp"
#include "net/subnet.hpp"

namespace foobar::lb {

struct RateRule {
  std::string method;  // "" : any
  std::string prefix;  // path prefix
  Rate rate;
};

struct ClientLimitsConfig {
  Rate requests;                          // rate_limit = { requests_per_second, burst }
  std::vector<RateRule> rules;            // [[lb.rate_limit_rules]], at most 6
  std::uint32_t max_connections = 0;      // max_connections_per_client (0: none)
  Rate connections;                       // connection_rate = { per_second, burst }
  std::size_t table_size = 65536;         // client_table_size: clients tracked (64 bytes each)
  static constexpr std::size_t kMaxRules = ClientTable::kBuckets - 2;

  bool requests_limited() const noexcept { return requests.on() || !rules.empty(); }
  bool connections_limited() const noexcept { return max_connections != 0 || connections.on(); }
};

// The client a request comes from: peer, or the nearest address of
// X-Forwarded-For that is not a trusted proxy when peer is one.
asio::ip::address client_address(const http::Request& req, const asio::ip::address& peer,
                                  const std::vector<net::Subnet>& trusted);

class ClientLimits final : public http::ConnectionGate, public std::enable_shared_from_this<ClientLimits> {
 public:
  // trusted: the proxies whose X-Forwarded-For names the client (ProxyOptions's).
  // Registers foobar_lb_limited_total{reason} and the client table's series.
  ClientLimits(ClientLimitsConfig config, std::vector<net::Subnet> trusted, core::metrics::Registry& metrics);

  bool admit(const tcp::endpoint& peer, unsigned worker) override;
  void closed(const tcp::endpoint& peer) noexcept override;
  // The first handler of worker's chain: 429 for a request over a rate, declines the others.
  std::unique_ptr<http::Handler> handler(unsigned worker);

  const ClientLimitsConfig& config() const noexcept { return config_; }
  // Seconds until the client may send req (0: now; a token was taken).
  double take(const http::Request& req, const asio::ip::address& peer);

 private:
  ClientLimitsConfig config_;
  std::vector<net::Subnet> trusted_;
  ClientTable table_;
  core::metrics::Counter* request_rate_;
  core::metrics::Counter* too_many_;
  core::metrics::Counter* too_fast_;
  friend class RateLimitHandler;
};

}  // namespace foobar::lb
