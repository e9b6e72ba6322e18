#pragma once
// OpenSSL's objects held by unique_ptr, and its error queue as text: one way
// for the TLS listeners (net/tls_*) and the local CA (ctl/local_ca).
#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace foobar::net::ossl {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;

// The newest error on this thread's OpenSSL queue (the outermost reason) as
// text, "unknown error" when there is none; the queue is left empty.
inline std::string last_error() {
  const unsigned long e = ERR_peek_last_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// The DNS names and IP addresses of a subjectAltName, as "DNS:name" and
// "IP:<address bytes>", sorted and unique: two certificates for the same
// names compare equal.
inline std::vector<std::string> san_names(const GENERAL_NAMES* san) {
  std::vector<std::string> names;
  for (int i = 0; san && i < sk_GENERAL_NAME_num(san); ++i) {
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(san, i), &type));
    if (type != GEN_DNS && type != GEN_IPADD) continue;
    names.push_back((type == GEN_DNS ? "DNS:" : "IP:") +
                    std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                static_cast<std::size_t>(ASN1_STRING_length(value))));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// Never prompts on the terminal for an encrypted key: it is unreadable, like a corrupt one.
inline int no_password(char*, int, int, void*) { return -1; }

// The first certificate, or the key, in PEM text; null when there is none.
inline Cert read_cert(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}
inline Key read_key(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr) : nullptr);
}

// The certificates, then the key (unencrypted PKCS#8), as PEM text; "" on
// failure (the reason on OpenSSL's queue). OpenSSL's copy of a key is cleansed.
inline std::string to_pem(std::initializer_list<X509*> certs, EVP_PKEY* key = nullptr) {
  Bio bio(BIO_new(BIO_s_mem()));
  bool ok = bio != nullptr;
  for (X509* cert : certs) ok = ok && PEM_write_bio_X509(bio.get(), cert);
  if (key) ok = ok && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (!ok) return "";
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string text(data, static_cast<std::size_t>(n));
  OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  return text;
}

}  // namespace foobar::net::ossl
