#pragma once
// The HTTP/1.1 server: accepts on every worker's SO_REUSEPORT listener, parses
// requests, hands each to the role's Handler as an Exchange, keeps connections
// alive, enforces limits and timeouts, stops gracefully.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/metrics.hpp"
#include "http/acme_challenges.hpp"
#include "core/runtime.hpp"
#include "http/access_log.hpp"
#include "http/admin_auth.hpp"
#include "http/exchange.hpp"
#include "http/parser.hpp"
#include "net/address.hpp"
#include "net/tls_config.hpp"

namespace foobar::http {

using namespace std::chrono_literals;

struct ServerLimits {
  ParserLimits parser;                           // 414 / 431
  std::chrono::milliseconds header_timeout = 10s;     // whole head must arrive in time (slowloris)
  std::chrono::milliseconds keepalive_timeout = 75s;  // idle between requests
  std::chrono::milliseconds body_timeout = 60s;       // idle while reading a request body
  std::chrono::milliseconds send_timeout = 60s;       // idle while writing a response
  std::uint64_t max_requests_per_connection = 1000;   // 0 = unlimited
  std::size_t max_connections = 10000;                // per worker; more are closed at accept
  std::uint64_t max_body_bytes = 1024 * 1024;         // 0 = unlimited; larger -> 413
  std::chrono::milliseconds shutdown_timeout = 10s;   // a graceful stop waits this long for in-flight requests
};

// Admits or turns away each new connection by its client address (the lb's
// per-client connection limits). Called on the accepting worker's thread.
class ConnectionGate {
 public:
  virtual ~ConnectionGate() = default;
  // false: the connection is closed at once (reset). After true, closed()
  // follows when the connection ends.
  virtual bool admit(const tcp::endpoint& peer, unsigned worker) = 0;
  virtual void closed(const tcp::endpoint& peer) noexcept = 0;
};

struct ServerConfig {
  std::string name = "foobar";  // label in the "listening on" line, e.g. "web", "admin"
  net::Address listen;          // port 0 -> an ephemeral port shared by every worker
  net::TlsConfig tls;           // TLS listeners beside the plain one
  std::optional<net::Address> admin;  // the role's admin listener (/metrics...), if asked for
  AdminAuthConfig admin_auth;         // its bearer tokens
  ServerLimits limits;
  std::string access_log;       // "" or "off": none; "-": stdout; else a file path
  AccessLogFormat access_log_format = AccessLogFormat::Combined;
  // Where the server's series go (requests, durations, connections, TLS
  // failures), labelled role=name; nullptr: none (the admin listener).
  core::metrics::Registry* metrics = nullptr;
  std::shared_ptr<ConnectionGate> gate;  // nullptr: every connection up to limits.max_connections
  std::shared_ptr<const AcmeChallenges> acme;  // answered first, before any redirect (lb with ACME)
};

using HandlerFactory = std::function<std::unique_ptr<Handler>(unsigned worker, asio::io_context& io)>;

class Server {
 public:
  // Opens the listeners now (errors throw, with the address in the message;
  // bad certificates throw core::ConfigError) and prints "<name> listening
  // on HOST:PORT" (and "... HOST:PORT (tls)") to stdout. With TLS, SIGHUP
  // reloads the certificates.
  Server(core::Runtime& rt, ServerConfig config, HandlerFactory factory);
  ~Server();
  // The plain listener's address (with --tls-only, the first TLS listener's).
  const tcp::endpoint& local_endpoint() const noexcept;
  // Reads the certificate files again now (an ACME renewal, as SIGHUP does):
  // "" on success, else why the old ones stay.
  std::string reload_tls();
  // The TLS listeners' addresses, in the order configured (ports resolved).
  const std::vector<tcp::endpoint>& tls_endpoints() const noexcept;
  // Stop accepting; idle connections close; in-flight requests finish with
  // "Connection: close". Safe from any thread.
  void stop();

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

// The role's admin listener on rt, as config.admin asks (nullptr when not):
// the same workers, its own handlers behind the bearer-token gate
// (http/admin_auth), whose refusals are counted in metrics. Throws
// core::ConfigError for an address off loopback without an admin token.
std::unique_ptr<Server> open_admin(core::Runtime& rt, const ServerConfig& config, core::metrics::Registry& metrics,
                                   HandlerFactory factory);

}  // namespace foobar::http
