#include "acme/jws.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ecdsa.h>

namespace foobar::acme {
namespace {

namespace fs = std::filesystem;

// RFC 4648 §10's vectors, in the URL alphabet without padding.
TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");  // the two characters that differ from base64
}

std::string unbase64url(std::string s) {
  for (auto& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  std::string out(s.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<std::size_t>(n) - std::count(s.begin(), s.end(), '='));
  return out;
}

struct KeyFile {
  fs::path path = fs::temp_directory_path() / ("foobar-acme-key-" + std::to_string(::getpid()) + ".pem");
  ~KeyFile() { fs::remove(path); }
};

TEST(AccountKey, CreatedPrivateAndReadBack) {
  KeyFile f;
  auto a = AccountKey::load_or_create(f.path);
  EXPECT_EQ(fs::status(f.path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  auto b = AccountKey::load_or_create(f.path);
  EXPECT_EQ(a.jwk(), b.jwk());
  EXPECT_EQ(a.thumbprint(), b.thumbprint());
  EXPECT_EQ(a.thumbprint().size(), 43u);  // SHA-256, base64url
  auto jwk = nlohmann::json::parse(a.jwk());
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(unbase64url(jwk["x"]).size(), 32u);
}

TEST(AccountKey, AnUnreadableKeyNamesTheFile) {
  KeyFile f;
  std::FILE* out = std::fopen(f.path.c_str(), "w");
  std::fputs("not a key\n", out);
  std::fclose(out);
  try {
    AccountKey::load_or_create(f.path);
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(f.path.string()), std::string::npos) << e.what();
  }
}

// The signature verifies with the key over "protected.payload" (RFC 7515 §5.2),
// as r || s of 32 bytes each (RFC 7518 §3.4); the header names the key or the account.
TEST(AccountKey, SignsFlattenedJwsWithEs256) {
  KeyFile f;
  auto key = AccountKey::load_or_create(f.path);
  auto jws = nlohmann::json::parse(key.sign(R"({"a":1})", "https://acme.test/new-order", "nonce-1", ""));
  auto header = nlohmann::json::parse(unbase64url(jws["protected"]));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce-1");
  EXPECT_EQ(header["url"], "https://acme.test/new-order");
  EXPECT_EQ(header["jwk"].dump(), key.jwk());
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(unbase64url(jws["payload"]), R"({"a":1})");
  const std::string raw = unbase64url(jws["signature"]);
  ASSERT_EQ(raw.size(), 64u);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  const std::string input = jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get());
  EXPECT_EQ(EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);

  auto with_kid = nlohmann::json::parse(key.sign("", "https://acme.test/order/1", "nonce-2", "https://acme.test/acct/7"));
  auto h2 = nlohmann::json::parse(unbase64url(with_kid["protected"]));
  EXPECT_EQ(h2["kid"], "https://acme.test/acct/7");
  EXPECT_FALSE(h2.contains("jwk"));
  EXPECT_EQ(with_kid["payload"], "");  // POST-as-GET
}

}  // namespace
}  // namespace foobar::acme
