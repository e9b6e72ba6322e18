#pragma once
// The reverse proxy: an http::Handler that forwards each request to a server of
// an upstream group and streams the response back. Shared by the lb role (every
// request) and the web role (requests under a prefix). Each worker has its own
// ProxyHandler (own balancer state and connection pool, no locks on the request
// path), made by the upstream's ProxyService (proxy_service.hpp).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "http/exchange.hpp"
#include "net/subnet.hpp"
#include "proxy/balancer.hpp"
#include "proxy/pool.hpp"
#include "proxy/retry_policy.hpp"
#include "proxy/upstream.hpp"
#include "proxy/upstream_metrics.hpp"

namespace foobar::proxy {

using namespace std::chrono_literals;

struct ProxyOptions {
  Algorithm algorithm = Algorithm::RoundRobin;
  unsigned retries = 3;                          // extra attempts on other servers (redispatch)
  std::chrono::milliseconds connect_timeout = 2s;
  std::chrono::milliseconds server_timeout = 30s;  // waiting for the response head, and between body reads
  std::chrono::milliseconds queue_timeout = 5s;    // waiting for a server below its maxconn
  std::size_t max_queue = 1024;                    // waiting requests per worker; more -> 503
  PoolConfig pool;
  // Request bodies up to this size are read before the first attempt, so a
  // retry can send them again; larger ones stream (and are not retried once sent).
  std::size_t replay_limit = 64 * 1024;
  // Peers whose X-Forwarded-For and Forwarded are kept (and extended); from
  // any other peer they are dropped, so the next tier can believe them.
  std::vector<net::Subnet> trusted_proxies;
  // TLS towards the servers (and their HTTP health checks); null: plain TCP.
  std::shared_ptr<const net::TlsClientContext> tls;
};

// Per-worker forwarding handler.
class ProxyHandler final : public http::Handler {
 public:
  ProxyHandler(asio::io_context& io, unsigned worker, std::shared_ptr<UpstreamGroup> group,
               std::shared_ptr<const UpstreamMetrics> metrics, const ProxyOptions& opts,
               std::shared_ptr<const std::atomic<bool>> stopping);
  asio::awaitable<http::Outcome> handle(http::Exchange& ex) override;

 private:
  struct Outgoing;  // the request as it goes upstream (head, kept body, framing)
  struct Tried {    // one attempt: done (answered, or the client is gone), or a failure to act on
    bool done = true;
    Decision decision;
    std::string blame;  // for passive health, when decision.mark_failed
  };
  // Picks a server not in tried (waiting in the queue while every candidate
  // is at maxconn); nullopt when none is left, queue_full set when the queue was the reason.
  asio::awaitable<std::optional<std::uint32_t>> choose(const std::vector<std::uint32_t>& tried,
                                                       std::uint64_t key, bool& queue_full);
  asio::awaitable<std::unique_ptr<http::ClientConnection>> connect(std::uint32_t server, error_code& ec);
  // Sends the request to server si and relays its answer.
  asio::awaitable<Tried> attempt(http::Exchange& ex, Outgoing& out, std::uint32_t si, bool fresh_only);
  enum class BodySent { Done, ClientGone, ServerFailed, ServerAnswered };
  asio::awaitable<BodySent> forward_body(http::Exchange& ex, http::ClientConnection& up, bool chunked,
                                         const ServerSeries& m);
  // The response head and body, towards the client; false if the client did not get it all.
  asio::awaitable<bool> relay_response(http::Exchange& ex, http::ClientConnection& up, const ServerSeries& m);
  asio::awaitable<void> reply_error(http::Exchange& ex, int status, std::string_view reason, bool close);

  asio::io_context& io_;
  unsigned worker_;  // this handler's cells in the metrics
  std::shared_ptr<UpstreamGroup> group_;
  std::shared_ptr<const UpstreamMetrics> metrics_;
  ProxyOptions opts_;
  SnapshotCache snap_;
  std::unique_ptr<Balancer> balancer_;
  ConnectionPool pool_;
  std::vector<std::uint32_t> candidates_;  // scratch for choose() (filled and used without suspending)
  std::size_t queued_ = 0;
  std::vector<std::string> spare_;  // request-head buffers for reuse (see ScratchString)
};

}  // namespace foobar::proxy
