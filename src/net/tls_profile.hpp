#pragma once
// The one TLS profile, on both sides: the listeners (tls_context) and the
// client towards backends (tls_client_context).
#include <openssl/ssl.h>

namespace foobar::net {

// Mozilla's "intermediate" profile (v5.7), ECDHE only: TLS 1.2 and 1.3, AES-GCM
// or ChaCha20, X25519/P-256/P-384. False when OpenSSL refused a list.
inline bool set_intermediate_profile(SSL_CTX* ctx) {
  constexpr const char* kCiphers12 =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  constexpr const char* kCiphers13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  constexpr const char* kGroups = "X25519:P-256:P-384";
  // ECDSA first: a peer that can verify both gets the cheaper signature.
  constexpr const char* kSigalgs =
      "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
      "RSA+SHA256:RSA+SHA384:RSA+SHA512";
  return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
         SSL_CTX_set_cipher_list(ctx, kCiphers12) == 1 && SSL_CTX_set_ciphersuites(ctx, kCiphers13) == 1 &&
         SSL_CTX_set1_groups_list(ctx, kGroups) == 1 && SSL_CTX_set1_sigalgs_list(ctx, kSigalgs) == 1;
}

// ALPN: HTTP/1.1, as a length-prefixed protocol list.
inline constexpr unsigned char kAlpnHttp11[] = "\x08http/1.1";

}  // namespace foobar::net
