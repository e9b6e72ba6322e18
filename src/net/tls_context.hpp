#pragma once
// A server TLS context: the certificates of every name (an ECDSA and an RSA
// chain side by side, picked by what the client supports; other names by
// SNI), Mozilla's "intermediate" profile (TLS 1.2 and 1.3, ECDHE with AES-GCM
// or ChaCha20), ALPN, session tickets and cache, OCSP stapling. Immutable
// once loaded: a reload builds a new one (TlsService), and connections keep
// the one they started with.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "net/tls_config.hpp"
#include "net/tls_ticket_keys.hpp"

namespace foobar::net {

class TlsContext {
 public:
  // Loads and checks every pair in config: readable, the key matches its
  // certificate, not expired, at most one certificate per key type per name
  // set. Throws core::ConfigError naming the file and the reason.
  static std::shared_ptr<const TlsContext> load(const TlsConfig& config, std::shared_ptr<TicketKeys> keys);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A server-side SSL, in accept state, for a new connection (nullptr when out
  // of memory). The caller keeps this context alive as long as the SSL (its
  // callbacks use it).
  SSL* new_ssl() const;
  // Rereads each stapled OCSP response whose file changed (or appeared).
  void refresh_ocsp() const;

 private:
  struct Certificate;
  struct Site;
  TlsContext() = default;
  static int on_client_hello(SSL* ssl, int* alert, void* self);
  static int on_status_request(SSL* ssl, void* self);

  std::vector<std::unique_ptr<Certificate>> certificates_;
  std::vector<std::unique_ptr<Site>> sites_;  // sites_[0]: no SNI, or no name matched
  std::shared_ptr<TicketKeys> keys_;
};

}  // namespace foobar::net
