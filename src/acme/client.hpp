#pragma once
// An ACME client (RFC 8555) for the HTTP-01 challenge: account, order,
// authorizations, finalize with a CSR for a new ECDSA P-256 key, download.
// One HTTPS connection per request (a handful per certificate), through the
// one HTTP client (http/client) and its TLS.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/asio.hpp"

namespace foobar::acme {

struct AcmeConfig {
  std::string directory;             // https://HOST[:PORT]/PATH of the directory
  std::string ca_file;               // verifies the ACME server ("": the system's trust store)
  std::string email;                 // the account's contact ("": none)
  std::vector<std::string> domains;  // DNS names; the first is the certificate's CN
  std::filesystem::path account_key; // PEM, created on first use (0600)
  std::chrono::milliseconds timeout{10'000};       // per request
  std::chrono::milliseconds validation_wait{60'000};  // for the server to check the challenges and issue
  std::shared_ptr<const bool> stop;  // when set and true, the next request or poll gives up (shutdown)
};

// Makes token's key authorization answer GET /.well-known/acme-challenge/TOKEN
// on port 80 of every domain while the challenge is pending; "" withdraws it.
using PublishChallenge = std::function<void(const std::string& token, const std::string& key_authorization)>;

struct Certificate {
  std::string chain_pem;  // leaf first
  std::string key_pem;    // PKCS#8
};

// Why issuance failed: the server's problem document (type and detail) or the transport's error.
class AcmeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

asio::awaitable<Certificate> obtain(asio::any_io_executor ex, AcmeConfig config, PublishChallenge publish);

// The same, blocking, on its own io_context (the tests; a role runs obtain on a worker).
Certificate obtain_blocking(const AcmeConfig& config, PublishChallenge publish);

}  // namespace foobar::acme
