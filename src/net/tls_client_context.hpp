#pragma once
// The client side of TLS towards a proxy's servers (lb -> web, web -> app):
// the listeners' protocol profile, every server's certificate verified
// against a CA file and checked for the server's name (or its IP), ALPN
// http/1.1, and sessions resumed on reconnection (the last one each server
// gave, shared by every worker: a reconnect after a keep-alive limit or an
// idle timeout costs no full handshake).
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <openssl/ssl.h>

#include "core/asio.hpp"
#include "net/tls_config.hpp"

namespace foobar::net {

class TlsClientContext {
 public:
  // Throws core::ConfigError naming the CA file and why it cannot be used.
  static std::shared_ptr<const TlsClientContext> load(const TlsClientConfig& config);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  // A client SSL (in connect state) for server, resuming its last session;
  // nullptr when out of memory. The caller keeps this context alive as long.
  SSL* new_ssl(const tcp::endpoint& server) const;

 private:
  explicit TlsClientContext(std::string server_name) : server_name_(std::move(server_name)) {}
  static int on_new_session(SSL* ssl, SSL_SESSION* session);

  SSL_CTX* ctx_ = nullptr;
  std::string server_name_;
  mutable std::mutex mu_;  // taken per handshake, never per request
  mutable std::map<tcp::endpoint, SSL_SESSION*> sessions_;
};

}  // namespace foobar::net
