#pragma once
// What an ACME client signs with (RFC 8555 §6.2, RFC 7515/7518/7638): an
// ECDSA P-256 account key, its JWK and thumbprint, and flattened JWS objects
// signed with ES256.
#include <filesystem>
#include <string>
#include <string_view>

#include "net/openssl.hpp"

namespace foobar::acme {

// RFC 4648 §5, no padding.
std::string base64url(std::string_view bytes);

class AccountKey {
 public:
  // The key in file (PEM), created (0600) when the file does not exist.
  // Throws std::runtime_error naming the file and the reason.
  static AccountKey load_or_create(const std::filesystem::path& file);

  // {"crv":"P-256","kty":"EC","x":...,"y":...}: members in lexical order, no
  // spaces, so it is also the thumbprint's input (RFC 7638 §3).
  const std::string& jwk() const noexcept { return jwk_; }
  std::string thumbprint() const;  // base64url(SHA-256(jwk()))

  // A flattened JWS: protected header (alg ES256, nonce, url, and kid when
  // given, else the jwk) over payload ("" for POST-as-GET).
  std::string sign(std::string_view payload, std::string_view url, std::string_view nonce,
                   std::string_view kid) const;

  EVP_PKEY* get() const noexcept { return key_.get(); }

 private:
  explicit AccountKey(net::ossl::Key key);
  net::ossl::Key key_;
  std::string jwk_;
};

}  // namespace foobar::acme
