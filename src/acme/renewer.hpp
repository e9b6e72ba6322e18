#pragma once
// Certificates that look after themselves, as Caddy's do: the lb's TLS
// listener serves DIR/cert.pem, which this keeps issued by an ACME CA,
// renewed before it expires and swapped in without a restart; a failure is
// retried with backoff while the certificate in use stays.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acme/client.hpp"
#include "core/asio.hpp"
#include "http/acme_challenges.hpp"

namespace foobar::acme {

// [lb.tls] acme = { ... } and the --acme-* flags (docs/lb.md).
struct AcmeSettings {
  AcmeConfig client;          // directory ("": ACME off), domains, email, ca_file; its account_key is dir's
  std::filesystem::path dir;  // account.pem, cert.pem (chain), cert-key.pem
  std::chrono::milliseconds retry{60'000};  // after a failure; doubles up to an hour (at most an hour)
  bool enabled() const noexcept { return !client.directory.empty(); }
};

// The files to serve. When none was issued yet (or the pair does not match:
// a crash between writing the key and the certificate), a placeholder from a
// local CA in dir lets the listener start; it is replaced at the first
// issuance. Throws std::runtime_error naming the file.
struct ServedFiles {
  std::string cert, key;
};
ServedFiles prepare_certificate(const AcmeSettings& settings);

class Renewer {
 public:
  // installed() runs after new files are written: the role loads them and
  // returns "" or why it could not (the renewal then counts as failed).
  Renewer(AcmeSettings settings, std::shared_ptr<http::AcmeChallenges> challenges,
          std::function<std::string()> installed);
  // Runs on ex (a worker of the role) until stop().
  void start(const asio::any_io_executor& ex);
  void stop();  // also gives up an issuance under way at its next request

  // When the certificate in dir is due: now for a placeholder or other names,
  // else a third of its lifetime (at most 30 days) before it ends.
  std::chrono::system_clock::time_point due() const;

 private:
  asio::awaitable<void> run();
  asio::awaitable<bool> renew();  // false on failure (logged)

  AcmeSettings s_;
  std::shared_ptr<http::AcmeChallenges> challenges_;
  std::function<std::string()> installed_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
  std::unique_ptr<asio::steady_timer> timer_;
};

}  // namespace foobar::acme
