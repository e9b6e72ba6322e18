#include "acme/jws.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/files.hpp"

namespace foobar::acme {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using EcdsaSig = std::unique_ptr<ECDSA_SIG, net::ossl::Deleter<ECDSA_SIG_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, net::ossl::Deleter<EVP_MD_CTX_free>>;

[[noreturn]] void fail(const std::string& what, const fs::path& file) {
  throw std::runtime_error(fmt::format("{} {}: {}", what, file.string(), net::ossl::last_error()));
}

// A coordinate as the fixed 32 bytes JWK and JWS want (RFC 7518 §6.2.1.2, §3.4).
std::string fixed32(const BIGNUM* n) {
  std::string out(32, '\0');
  if (BN_bn2binpad(n, reinterpret_cast<unsigned char*>(out.data()), 32) != 32)
    throw std::runtime_error("acme: a P-256 value does not fit 32 bytes");
  return out;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += {kAlphabet[v >> 18], kAlphabet[v >> 12 & 63], kAlphabet[v >> 6 & 63], kAlphabet[v & 63]};
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[v >> 12 & 63]};
  } else if (bytes.size() - i == 2) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8;
    out += {kAlphabet[v >> 18], kAlphabet[v >> 12 & 63], kAlphabet[v >> 6 & 63]};
  }
  return out;
}

AccountKey AccountKey::load_or_create(const fs::path& file) {
  ERR_clear_error();
  if (FILE* f = std::fopen(file.c_str(), "r")) {
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!k) fail("cannot read the ACME account key", file);
    net::ossl::Key key(k);
    char group[32] = "";
    if (!EVP_PKEY_is_a(k, "EC") || !EVP_PKEY_get_group_name(k, group, sizeof group, nullptr) ||
        std::string_view(group) != "prime256v1")
      throw std::runtime_error("the ACME account key " + file.string() + " is not an ECDSA P-256 key");
    return AccountKey(std::move(key));
  } else if (errno != ENOENT) {
    throw std::runtime_error(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  }
  net::ossl::Key key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot create the ACME account key", file);
  const std::string pem = net::ossl::to_pem({}, key.get());
  if (pem.empty()) fail("cannot encode the ACME account key", file);
  core::write_file_atomic(file, pem, 0600);  // never partly written
  return AccountKey(std::move(key));
}

AccountKey::AccountKey(net::ossl::Key key) : key_(std::move(key)) {
  BIGNUM *x = nullptr, *y = nullptr;
  if (!EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
      !EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y)) {
    BN_free(x);
    throw std::runtime_error("acme: cannot read the account key's public point: " + net::ossl::last_error());
  }
  net::ossl::Bignum bx(x), by(y);
  jwk_ = fmt::format(R"({{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}})", base64url(fixed32(x)), base64url(fixed32(y)));
}

std::string AccountKey::thumbprint() const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(jwk_.data()), jwk_.size(), digest);
  return base64url({reinterpret_cast<const char*>(digest), sizeof digest});
}

std::string AccountKey::sign(std::string_view payload, std::string_view url, std::string_view nonce,
                             std::string_view kid) const {
  json header{{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty())
    header["jwk"] = json::parse(jwk_);
  else
    header["kid"] = kid;
  const std::string protected64 = base64url(header.dump()), payload64 = base64url(payload);
  const std::string input = protected64 + "." + payload64;

  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("acme: cannot sign: " + net::ossl::last_error());
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("acme: cannot sign: " + net::ossl::last_error());
  // OpenSSL signs in DER; JWS wants r and s, 32 bytes each.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) throw std::runtime_error("acme: cannot decode the signature: " + net::ossl::last_error());
  const std::string raw = fixed32(ECDSA_SIG_get0_r(sig.get())) + fixed32(ECDSA_SIG_get0_s(sig.get()));
  return json{{"protected", protected64}, {"payload", payload64}, {"signature", base64url(raw)}}.dump();
}

}  // namespace foobar::acme
