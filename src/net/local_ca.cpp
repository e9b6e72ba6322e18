#include "net/local_ca.hpp"
#include "core/files.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/openssl.hpp"

namespace foobar::net {

namespace fs = std::filesystem;

namespace {

using ossl::Bignum;
using ossl::Cert;
using ossl::Extension;
using ossl::GeneralNames;
using ossl::Key;

// Short-lived like the public CAs' certificates (Let's Encrypt: 90 days), far below the
// 398 days Chromium and Apple accept; renewal is automatic, and a leaked key expires soon.
constexpr long server_days = 90;
constexpr long ca_days = 3650;

struct Issued {
  Cert cert;
  Key key;
};

[[noreturn]] void fail(std::string_view what, const fs::path& file) {
  throw std::runtime_error(fmt::format("{} {}: {}", what, file.string(), ossl::last_error()));
}

using ossl::read_cert;
using ossl::read_key;

// Writes the certificates to path as PEM (mode 0644), or the key (unencrypted PKCS#8, 0600).
void write_pem(const fs::path& path, std::initializer_list<X509*> certs, EVP_PKEY* key = nullptr) {
  std::string text = ossl::to_pem(certs, key);
  if (text.empty()) fail("cannot write", path);
  try {
    core::write_file_atomic(path, text, key ? 0600 : 0644);
  } catch (...) {
    OPENSSL_cleanse(text.data(), text.size());
    throw;
  }
  OPENSSL_cleanse(text.data(), text.size());
}

bool is_ip(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 || ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// subjectAltName entries for names: IP addresses as iPAddress, the rest as dNSName (what
// Chromium matches; it ignores the CN). Built as structures, not a config string, so no name
// can smuggle in another entry.
GeneralNames make_san(std::span<const std::string> names) {
  if (names.empty()) throw std::runtime_error("local CA: no names for the server certificate");
  GeneralNames san(sk_GENERAL_NAME_new_null());
  for (const std::string& name : names) {
    bool ip = is_ip(name);
    bool dns = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789.-_*") == std::string::npos;
    if (!ip && !dns) throw std::runtime_error(fmt::format("local CA: '{}' is not a host name or IP address", name));
    GENERAL_NAME* gn = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, ip ? GEN_IPADD : GEN_DNS, name.c_str(), 0);
    if (!san || !gn || !sk_GENERAL_NAME_push(san.get(), gn)) {
      GENERAL_NAME_free(gn);
      throw std::runtime_error(fmt::format("local CA: cannot encode '{}': {}", name, ossl::last_error()));
    }
  }
  return san;
}

// true when the certificate is valid now and will still be renew_before from now.
bool valid_for(const X509* cert, std::chrono::seconds renew_before) {
  std::time_t now = std::time(nullptr);
  std::time_t until = now + static_cast<std::time_t>(renew_before.count());
  // X509_cmp_time: -1 earlier or equal, 1 later, 0 unparsable.
  return X509_cmp_time(X509_get0_notBefore(cert), &now) < 0 && X509_cmp_time(X509_get0_notAfter(cert), &until) > 0;
}

// Adds one extension from OpenSSL's config syntax; issuer is needed for authorityKeyIdentifier.
bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1);
}

// A new P-256 key and a v3 certificate for it: random 128-bit serial, valid from an hour ago
// (clocks of clients differ a little) for days, subject CN = cn. Extensions and signature are
// the caller's. Empty on failure, with the reason in OpenSSL's queue.
Issued new_cert(const std::string& cn, long days) {
  Issued out{Cert(X509_new()), Key(EVP_EC_gen("P-256"))};
  Bignum serial(BN_new());
  if (!out.cert || !out.key || !serial || !X509_set_version(out.cert.get(), X509_VERSION_3) ||
      !BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(out.cert.get())) ||
      !X509_time_adj_ex(X509_getm_notBefore(out.cert.get()), 0, -3600, nullptr) ||
      !X509_time_adj_ex(X509_getm_notAfter(out.cert.get()), static_cast<int>(days), 0, nullptr) ||
      !X509_set_pubkey(out.cert.get(), out.key.get()) ||
      // 64 characters is X.520's bound on a CN; clients match the SAN, so the CN is only a label.
      !X509_NAME_add_entry_by_txt(X509_get_subject_name(out.cert.get()), "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(cn.data()),
                                  static_cast<int>(std::min<std::size_t>(cn.size(), 64)), -1, 0))
    return {};
  return out;
}

Issued make_ca(const fs::path& file) {
  char host[HOST_NAME_MAX + 1] = "";
  ::gethostname(host, sizeof host - 1);
  // The host in the name tells the CAs of several machines apart in a browser's trust store.
  Issued ca = new_cert(fmt::format("foobar local CA ({})", host[0] ? host : "localhost"), ca_days);
  X509* x = ca.cert.get();
  // pathlen:0: the CA signs server certificates only, never another CA.
  if (!ca.cert || !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
      !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(x, x, NID_subject_key_identifier, "hash") ||
      !add_ext(x, x, NID_authority_key_identifier, "keyid:always") || !X509_sign(x, ca.key.get(), EVP_sha256()))
    fail("cannot create the CA certificate", file);
  return ca;
}

Issued make_server(const fs::path& file, std::span<const std::string> names, GENERAL_NAMES* san, const Issued& ca) {
  Issued leaf = new_cert(names.front(), server_days);
  X509* x = leaf.cert.get();
  if (!leaf.cert || !X509_set_issuer_name(x, X509_get_subject_name(ca.cert.get())) ||
      !add_ext(x, ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      // ECDSA signs; keyEncipherment is for RSA key transport only.
      !add_ext(x, ca.cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(x, ca.cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(x, ca.cert.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(x, ca.cert.get(), NID_authority_key_identifier, "keyid:always") ||
      !X509_add1_ext_i2d(x, NID_subject_alt_name, san, 0, X509V3_ADD_DEFAULT) ||
      !X509_sign(x, ca.key.get(), EVP_sha256()))
    fail("cannot create the server certificate", file);
  return leaf;
}

// The CA in dir: read, or created when either file is missing. A CA expiring within
// renew_before plus a server certificate's life is replaced, so a leaf never outlives it.
Issued ensure_ca(const fs::path& cert_file, const fs::path& key_file, std::chrono::seconds renew_before) {
  if (fs::exists(cert_file) && fs::exists(key_file)) {
    Issued ca{read_cert(core::read_file(cert_file)), nullptr};
    if (!ca.cert) fail("cannot read the CA certificate", cert_file);
    ca.key = read_key(core::read_file(key_file));
    if (!ca.key) fail("cannot read the CA key", key_file);
    if (!X509_check_private_key(ca.cert.get(), ca.key.get()))
      fail("the CA key does not match the certificate", key_file);
    if (valid_for(ca.cert.get(), renew_before + std::chrono::days(server_days))) return ca;
  }
  Issued ca = make_ca(cert_file);
  // Key first: a crash between the renames leaves no ca.pem, and the next call starts over.
  write_pem(key_file, {}, ca.key.get());
  write_pem(cert_file, {ca.cert.get()});
  return ca;
}

// true when the server files hold a matching key and certificate, signed by ca, for exactly
// the names in want, and valid for renew_before more. Any unreadable file means re-issue.
bool server_current(const LocalCertificates& files, const Issued& ca, const std::vector<std::string>& want,
                    std::chrono::seconds renew_before) {
  Cert leaf = read_cert(core::read_file(files.server_cert));
  Key key = read_key(core::read_file(files.server_key));
  bool ok = leaf && key && X509_check_private_key(leaf.get(), key.get()) &&
            X509_verify(leaf.get(), X509_get0_pubkey(ca.cert.get())) == 1 && valid_for(leaf.get(), renew_before);
  if (ok) {
    GeneralNames san(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr)));
    ok = ossl::san_names(san.get()) == want;
  }
  ERR_clear_error();  // the reasons for re-issuing are not errors
  return ok;
}

}  // namespace

LocalCertificates local_certificate_paths(const fs::path& dir, std::string_view leaf) {
  return {dir / "ca.pem", dir / fmt::format("{}.pem", leaf), dir / fmt::format("{}-key.pem", leaf)};
}

fs::path ensure_local_ca(const fs::path& dir, std::chrono::seconds renew_before) {
  ERR_clear_error();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const auto files = local_certificate_paths(dir);
  ensure_ca(files.ca_cert, dir / "ca-key.pem", renew_before);
  return files.ca_cert;
}

LocalCertificates ensure_local_certificates(const fs::path& dir, std::span<const std::string> names,
                                            std::chrono::seconds renew_before, std::string_view leaf) {
  ERR_clear_error();  // an error left by others must not be reported as ours
  GeneralNames san = make_san(names);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

  const LocalCertificates files = local_certificate_paths(dir, leaf);
  Issued ca = ensure_ca(files.ca_cert, dir / "ca-key.pem", renew_before);
  if (server_current(files, ca, ossl::san_names(san.get()), renew_before)) return files;

  Issued issued = make_server(files.server_cert, names, san.get(), ca);
  // Key first: if a crash leaves a new key beside the old certificate, they do not match and
  // the next call re-issues.
  write_pem(files.server_key, {}, issued.key.get());
  write_pem(files.server_cert, {issued.cert.get(), ca.cert.get()});
  return files;
}

}  // namespace foobar::net
