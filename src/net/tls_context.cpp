#include "net/tls_context.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include "core/config.hpp"
#include "net/openssl.hpp"
#include "net/tls_profile.hpp"

namespace foobar::net {
namespace {

constexpr int kSessionCacheSize = 20480;

using ossl::Bio;
using ossl::Cert;
using ossl::Key;
using Chain = std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); })>;

[[noreturn]] void fail(const std::string& what, const std::string& file, const std::string& why) {
  throw core::ConfigError(fmt::format("tls {} '{}': {}", what, file, why));
}

Bio open_file(const std::string& what, const std::string& file) {
  Bio bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) {
    int err = errno;
    ERR_clear_error();
    fail(what, file, fmt::format("cannot read: {}", std::strerror(err)));
  }
  return bio;
}

std::string time_text(const ASN1_TIME* t) {
  Bio mem(BIO_new(BIO_s_mem()));
  if (!mem || ASN1_TIME_print(mem.get(), t) != 1) return "(unprintable time)";
  char* data = nullptr;
  long n = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// The names a certificate is for, sorted: its subjectAltNames (DNS and IP),
// else its common name. Certificates with equal names share one site.
std::vector<std::string> names_of(X509* cert) {
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  std::vector<std::string> names = ossl::san_names(sans);
  GENERAL_NAMES_free(sans);
  if (names.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
      names.push_back(std::string("DNS:") + cn);
  }
  return names;
}

// Whether the kernel has TLS (its "tls" upper layer protocol, loaded on
// demand): asked once on an unconnected socket, which knows the protocol
// ("not connected") or not ("no such"). Without it OpenSSL would try, and
// fail, to hand every new connection to the kernel: four system calls a handshake.
bool kernel_has_tls() {
  static const bool has = [] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    constexpr char kUlp[] = "tls";
    const bool known = ::setsockopt(fd, SOL_TCP, TCP_ULP, kUlp, sizeof kUlp) == 0 || errno != ENOENT;
    ::close(fd);
    return known;
  }();
  return has;
}

SSL_CTX* new_server_ctx() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) throw core::ConfigError("tls: cannot create a context: " + ossl::last_error());
  // Server order picks ECDSA and AES-GCM; PRIORITIZE_CHACHA still gives
  // ChaCha20 to clients that list it first (phones without AES instructions).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_PRIORITIZE_CHACHA);
  if (kernel_has_tls()) SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
  if (!set_intermediate_profile(ctx)) {
    SSL_CTX_free(ctx);
    throw core::ConfigError("tls: OpenSSL refused the cipher profile: " + ossl::last_error());
  }
  // Idle keep-alive connections give their record buffers back (nginx does the same).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // One read(2) takes whatever has arrived, not a record header and then its
  // body; what it read beyond a record shows in SSL_has_pending().
  SSL_CTX_set_read_ahead(ctx, 1);
  // One TLS 1.3 ticket per handshake, as nginx sends (OpenSSL's default is
  // two): stateless tickets may be used again, so one resumes every later
  // connection, and each costs a session encoding, its encryption and a write.
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, kSessionCacheSize);
  SSL_CTX_set_timeout(ctx, static_cast<long>(TicketKeys::kLifetime.count()));
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void*) {
        unsigned char* chosen = nullptr;
        if (SSL_select_next_proto(&chosen, outlen, kAlpnHttp11, sizeof kAlpnHttp11 - 1, in, inlen) !=
            OPENSSL_NPN_NEGOTIATED)
          return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol (RFC 7301 section 3.2)
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
  return ctx;
}

// The host_name of a server_name extension (RFC 6066 section 3), "" if none.
std::string_view sni_host(const unsigned char* p, std::size_t len) {
  if (len < 2 || std::size_t(p[0] << 8 | p[1]) != len - 2) return {};
  p += 2;
  len -= 2;
  while (len >= 3) {
    const std::size_t n = std::size_t(p[1] << 8 | p[2]);
    if (n > len - 3) return {};
    if (p[0] == TLSEXT_NAMETYPE_host_name) return {reinterpret_cast<const char*>(p + 3), n};
    p += 3 + n;
    len -= 3 + n;
  }
  return {};
}

}  // namespace

struct TlsContext::Certificate {
  Cert leaf;
  std::string ocsp_file;
  mutable std::atomic<std::shared_ptr<const std::string>> ocsp;  // DER; empty: none
  mutable struct timespec ocsp_mtime = {};                        // touched by refresh_ocsp's thread only
};

struct TlsContext::Site {
  SSL_CTX* ctx = nullptr;
  std::vector<std::string> names;
  std::vector<const Certificate*> certificates;
  ~Site() { SSL_CTX_free(ctx); }
};

std::shared_ptr<const TlsContext> TlsContext::load(const TlsConfig& config, std::shared_ptr<TicketKeys> keys) {
  if (config.certs.empty()) throw core::ConfigError("tls: the TLS listeners need a certificate (--tls-cert and --tls-key)");
  if (config.certs.size() != config.keys.size())
    throw core::ConfigError(fmt::format("tls: certificates and keys pair up by position: {} certificates, {} keys",
                                        config.certs.size(), config.keys.size()));
  std::shared_ptr<TlsContext> self(new TlsContext());
  self->keys_ = std::move(keys);
  for (std::size_t i = 0; i < config.certs.size(); ++i) {
    const std::string& cert_file = config.certs[i];
    const std::string& key_file = config.keys[i];
    auto cert_bio = open_file("certificate", cert_file);
    Cert leaf(PEM_read_bio_X509_AUX(cert_bio.get(), nullptr, nullptr, nullptr));
    if (!leaf) fail("certificate", cert_file, "no PEM certificate in it (" + ossl::last_error() + ")");
    Chain chain(sk_X509_new_null());
    while (X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
      if (sk_X509_push(chain.get(), extra) <= 0) {
        X509_free(extra);
        fail("certificate", cert_file, "out of memory");
      }
    }
    ERR_clear_error();  // the end of the file reads as "no start line"

    auto key_bio = open_file("key", key_file);
    Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!key) fail("key", key_file, "no PEM private key in it (" + ossl::last_error() + ")");
    if (X509_check_private_key(leaf.get(), key.get()) != 1) {
      ERR_clear_error();
      fail("key", key_file, "does not match certificate '" + cert_file + "'");
    }
    if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0)
      fail("certificate", cert_file, "expired on " + time_text(X509_get0_notAfter(leaf.get())));
    if (X509_cmp_current_time(X509_get0_notBefore(leaf.get())) > 0)
      spdlog::warn("tls certificate '{}' is not valid before {}", cert_file, time_text(X509_get0_notBefore(leaf.get())));

    auto names = names_of(leaf.get());
    auto it = std::find_if(self->sites_.begin(), self->sites_.end(), [&](const auto& s) { return s->names == names; });
    if (it == self->sites_.end()) {
      auto site = std::make_unique<Site>();
      site->ctx = new_server_ctx();
      site->names = names;
      // Each site its own session context: a session of one name never resumes
      // under another (RFC 6066 section 3), though all share the ticket keys.
      unsigned char id[SHA256_DIGEST_LENGTH];
      std::string joined;
      for (const auto& n : names) joined.append(n).push_back('\n');
      SHA256(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), id);
      SSL_CTX_set_session_id_context(site->ctx, id, SSL_MAX_SID_CTX_LENGTH);
      self->keys_->attach(site->ctx);
      SSL_CTX_set_tlsext_status_cb(site->ctx, &TlsContext::on_status_request);
      SSL_CTX_set_tlsext_status_arg(site->ctx, self.get());
      self->sites_.push_back(std::move(site));
      it = std::prev(self->sites_.end());
    }
    Site& site = **it;
    const int type = EVP_PKEY_get_base_id(key.get());
    for (const Certificate* c : site.certificates)
      if (EVP_PKEY_get_base_id(X509_get0_pubkey(c->leaf.get())) == type)
        fail("certificate", cert_file, "a second certificate of the same key type for the same names");
    if (SSL_CTX_use_cert_and_key(site.ctx, leaf.get(), key.get(), chain.get(), 1) != 1)
      fail("certificate", cert_file, "OpenSSL refused it: " + ossl::last_error());

    auto cert = std::make_unique<Certificate>();
    cert->leaf = std::move(leaf);
    cert->ocsp_file = cert_file + ".ocsp";
    cert->ocsp.store(std::make_shared<const std::string>());
    site.certificates.push_back(cert.get());
    self->certificates_.push_back(std::move(cert));
  }
  SSL_CTX_set_client_hello_cb(self->sites_.front()->ctx, &TlsContext::on_client_hello, self.get());
  self->refresh_ocsp();
  return self;
}

TlsContext::~TlsContext() = default;

SSL* TlsContext::new_ssl() const {
  SSL* ssl = SSL_new(sites_.front()->ctx);
  if (ssl) SSL_set_accept_state(ssl);
  return ssl;
}

// Picks the site whose certificate covers the name the client asked for, the
// default site otherwise (as nginx's default_server). Done on the ClientHello,
// before OpenSSL looks at a session to resume: with the site's session
// context in place, a session of another name is not resumed.
int TlsContext::on_client_hello(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  const unsigned char* ext = nullptr;
  std::size_t len = 0;
  if (self->sites_.size() == 1 || !SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len))
    return SSL_CLIENT_HELLO_SUCCESS;
  const std::string name(sni_host(ext, len));
  if (name.empty() || name.find('\0') != std::string::npos) return SSL_CLIENT_HELLO_SUCCESS;
  for (const auto& site : self->sites_) {
    for (const Certificate* c : site->certificates) {
      if (X509_check_host(c->leaf.get(), name.data(), name.size(), 0, nullptr) == 1) {
        if (site.get() != self->sites_.front().get()) SSL_set_SSL_CTX(ssl, site->ctx);
        return SSL_CLIENT_HELLO_SUCCESS;
      }
    }
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Staples the OCSP response of the certificate the handshake chose, if there is one.
int TlsContext::on_status_request(SSL* ssl, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  X509* chosen = SSL_get_certificate(ssl);
  for (const auto& c : self->certificates_) {
    if (c->leaf.get() != chosen) continue;
    auto der = c->ocsp.load();
    if (der->empty()) break;
    auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(der->size()));  // OpenSSL frees it
    if (!copy) break;
    std::memcpy(copy, der->data(), der->size());
    SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(der->size()));
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

void TlsContext::refresh_ocsp() const {
  for (const auto& c : certificates_) {
    struct stat st {};
    if (::stat(c->ocsp_file.c_str(), &st) != 0) {
      if (!c->ocsp.load()->empty()) {
        spdlog::warn("tls: OCSP response '{}' is gone; no longer stapled", c->ocsp_file);
        c->ocsp.store(std::make_shared<const std::string>());
      }
      c->ocsp_mtime = {};
      continue;
    }
    if (st.st_mtim.tv_sec == c->ocsp_mtime.tv_sec && st.st_mtim.tv_nsec == c->ocsp_mtime.tv_nsec) continue;
    c->ocsp_mtime = st.st_mtim;  // a bad file is reported once, not every round
    std::ifstream in(c->ocsp_file, std::ios::binary);
    std::string der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    OCSP_RESPONSE* parsed = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size()));
    const bool valid = parsed && OCSP_response_status(parsed) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
    OCSP_RESPONSE_free(parsed);
    ERR_clear_error();
    if (!valid) {
      spdlog::warn("tls: '{}' is not a successful DER OCSP response; not stapled", c->ocsp_file);
      continue;  // keep what was stapled before (nothing, or the last good response)
    }
    c->ocsp.store(std::make_shared<const std::string>(std::move(der)));
    spdlog::info("tls: stapling OCSP response '{}'", c->ocsp_file);
  }
}

}  // namespace foobar::net
