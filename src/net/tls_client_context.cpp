#include "net/tls_client_context.hpp"

#include <sys/socket.h>

#include <cstring>

#include <fmt/format.h>
#include <openssl/x509v3.h>

#include "core/config.hpp"
#include "net/openssl.hpp"
#include "net/tls_profile.hpp"

namespace foobar::net {

std::shared_ptr<const TlsClientContext> TlsClientContext::load(const TlsClientConfig& config) {
  std::shared_ptr<TlsClientContext> self(new TlsClientContext(config.server_name));
  SSL_CTX* ctx = self->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx) throw core::ConfigError("backend tls: cannot create a context: " + ossl::last_error());
  if (!set_intermediate_profile(ctx))
    throw core::ConfigError("backend tls: OpenSSL refused the cipher profile: " + ossl::last_error());
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);  // pooled idle connections hold no record buffers
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const bool loaded = config.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx) == 1
                                             : SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) == 1;
  if (!loaded)
    throw core::ConfigError(fmt::format("backend tls CA '{}': {}",
                                        config.ca_file.empty() ? "(system trust store)" : config.ca_file,
                                        ossl::last_error()));
  if (SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11 - 1) != 0)  // 0 is success here
    throw core::ConfigError("backend tls: cannot set ALPN: " + ossl::last_error());
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsClientContext::on_new_session);
  SSL_CTX_set_app_data(ctx, self.get());
  return self;
}

TlsClientContext::~TlsClientContext() {
  for (auto& [server, session] : sessions_) SSL_SESSION_free(session);
  SSL_CTX_free(ctx_);
}

SSL* TlsClientContext::new_ssl(const tcp::endpoint& server) const {
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return nullptr;
  SSL_set_connect_state(ssl);
  bool named = false;
  if (!server_name_.empty()) {
    named = SSL_set_tlsext_host_name(ssl, server_name_.c_str()) == 1 && SSL_set1_host(ssl, server_name_.c_str()) == 1;
  } else {  // an IP: no SNI (RFC 6066 section 3), matched against the certificate's IP addresses
    const auto ip = server.address();
    const auto set_ip = [ssl](const auto& bytes) {
      return X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), bytes.data(), bytes.size()) == 1;
    };
    named = ip.is_v4() ? set_ip(ip.to_v4().to_bytes()) : set_ip(ip.to_v6().to_bytes());
  }
  if (!named) {
    SSL_free(ssl);
    return nullptr;
  }
  std::lock_guard lock(mu_);
  // A copy per connection: OpenSSL marks the session a TLS 1.3 handshake
  // used as not resumable, and the stored one is read by every worker.
  if (auto it = sessions_.find(server); it != sessions_.end()) {
    if (SSL_SESSION* copy = SSL_SESSION_dup(it->second)) {
      SSL_set_session(ssl, copy);  // takes its own reference
      SSL_SESSION_free(copy);
    }
  }
  return ssl;
}

// OpenSSL hands over each new session (TLS 1.3: each ticket, after the
// handshake); the newest per server is kept. The server is the socket's peer.
int TlsClientContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(SSL_get_fd(ssl), reinterpret_cast<sockaddr*>(&peer), &len) != 0) return 0;
  tcp::endpoint server;
  if (len > server.capacity()) return 0;
  std::memcpy(server.data(), &peer, len);
  server.resize(len);
  std::lock_guard lock(self->mu_);
  SSL_SESSION*& slot = self->sessions_[server];
  if (slot) SSL_SESSION_free(slot);
  slot = session;
  return 1;  // the session is ours now
}

}  // namespace foobar::net
