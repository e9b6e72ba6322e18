#pragma once
// Active health checks: every interval, each server of a group gets a TCP
// connect or an HTTP GET (2xx/3xx = healthy) within a timeout; results feed
// the group's rise/fall state machine. Runs on one io_context (one thread).
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "proxy/upstream.hpp"

namespace foobar::net {
class TlsClientContext;
}

namespace foobar::proxy {

struct CheckConfig {
  enum class Kind : std::uint8_t { Tcp, Http, None } kind = Kind::Tcp;
  std::string path = "/";                         // Kind::Http
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{1000};        // per check (connect + response)
};

// "tcp", "none" or "http:/PATH" into cfg; false if malformed.
bool parse_check(std::string_view text, CheckConfig& cfg);
std::string describe(const CheckConfig& cfg);  // back to "tcp" / "http:/PATH" / "none"

class HealthChecker {
 public:
  // HTTP checks go over tls when given (the proxy's backend TLS; HAProxy's check-ssl).
  HealthChecker(asio::io_context& io, std::shared_ptr<UpstreamGroup> group, CheckConfig cfg,
                std::shared_ptr<const net::TlsClientContext> tls = nullptr);
  ~HealthChecker();
  // Spawns one checking loop per server (the first check runs at once).
  void start();
  // Ends the loops (a check in progress is cancelled). Call on the io_context's thread.
  void stop();

  struct State;  // shared with the checking coroutines

 private:
  std::shared_ptr<State> st_;
};

}  // namespace foobar::proxy
