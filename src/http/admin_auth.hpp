#pragma once
// Bearer tokens on an admin listener (RFC 6750). A state-changing request
// (anything but GET and HEAD) needs the admin token, and is refused when none
// is configured; a read needs the read
// token or the admin token when a read token is configured, and nothing
// otherwise. Tokens are read once from files at start-up and kept only as
// SHA-256 digests, compared in constant time; a token never reaches a log.
#include <array>
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "http/exchange.hpp"

namespace foobar::http {

struct AdminAuthConfig {
  std::string token_file;       // admin_token_file: POST /backends/..., /alerts
  std::string read_token_file;  // admin_read_token_file: GET /metrics, /stats... ("": reads are open)
  bool any() const noexcept { return !token_file.empty() || !read_token_file.empty(); }
};

class AdminAuth {
 public:
  // Reads the token files (throws core::ConfigError naming the file when one is
  // missing, unreadable, or shorter than 16 characters) and registers
  // foobar_admin_auth_failures_total{reason} in metrics.
  AdminAuth(const AdminAuthConfig& config, core::metrics::Registry& metrics);

  enum class Verdict { Allowed, Missing, Invalid, ReadOnly, NoAdminToken };
  Verdict check(const Request& req) const;

  // The first handler of worker's admin chain: declines an allowed request
  // (the admin handler answers it); answers 401 with WWW-Authenticate (no or
  // wrong token) or 403 (a read token on a state-changing request, or a
  // state-changing request where no admin token is configured).
  static std::unique_ptr<Handler> gate(std::shared_ptr<const AdminAuth> auth, unsigned worker);

 private:
  friend class AdminGate;
  using Digest = std::array<unsigned char, 32>;
  bool has_admin_ = false, has_read_ = false;
  Digest admin_{}, read_{};
  core::metrics::Counter* missing_;
  core::metrics::Counter* invalid_;
  core::metrics::Counter* forbidden_;
};

}  // namespace foobar::http
