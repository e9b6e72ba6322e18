#pragma once
// The live TLS state of a role: its settings, the ticket keys, and the
// context new handshakes use, swapped whole on reload (SIGHUP) while
// connections in progress finish on the one they began with.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "net/tls_config.hpp"
#include "net/tls_context.hpp"
#include "net/tls_ticket_keys.hpp"

namespace foobar::net {

class TlsService {
 public:
  // Loads the ticket keys and every certificate; throws core::ConfigError
  // naming the file and the reason (a start-up error: exit 2).
  explicit TlsService(TlsConfig config);

  const TlsConfig& config() const noexcept { return config_; }
  // The context for a new handshake (any thread).
  std::shared_ptr<const TlsContext> context() const { return context_.load(); }
  // Reads the certificate files again. On success new handshakes use them and
  // "" is returned; otherwise the old ones stay and the reason is returned.
  std::string reload();
  // Rotates ticket keys when due, rereads changed OCSP responses, and reloads
  // when a certificate or key file changed (a renewal written in place needs
  // no SIGHUP). Call every kMaintainEvery from one thread; logs, never throws.
  void maintain();
  static constexpr std::chrono::seconds kMaintainEvery{30};

  // Handshakes that failed (bad client, plain HTTP, timeout), all threads.
  void count_failed_handshake() noexcept { failed_handshakes_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t failed_handshakes() const noexcept { return failed_handshakes_.load(std::memory_order_relaxed); }

 private:
  TlsConfig config_;
  std::vector<std::int64_t> file_stamps() const;  // mtimes of every cert and key file (0: unreadable)

  std::shared_ptr<TicketKeys> keys_;
  std::vector<std::int64_t> loaded_stamps_;  // file_stamps() when the context in use was loaded
  std::atomic<std::shared_ptr<const TlsContext>> context_;
  std::atomic<std::uint64_t> failed_handshakes_{0};
};

}  // namespace foobar::net
