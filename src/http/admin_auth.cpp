#include "http/admin_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <iterator>

#include "core/config.hpp"
#include "http/error_response.hpp"

namespace foobar::http {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view s) {
  Digest d{};
  unsigned len = 0;
  EVP_Digest(s.data(), s.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

Digest read_token(const std::string& file, const char* key) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::ConfigError(std::string(key) + " " + file + ": cannot be read");
  std::string token((std::istreambuf_iterator<char>(in)), {});
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16)
    throw core::ConfigError(std::string(key) + " " + file + ": a token needs at least 16 characters");
  return sha256(token);
}

// Digests of equal length: the comparison takes the same time wherever they differ.
bool same(const Digest& a, const Digest& b) { return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

}  // namespace

AdminAuth::AdminAuth(const AdminAuthConfig& config, core::metrics::Registry& metrics) {
  if (!config.token_file.empty()) {
    admin_ = read_token(config.token_file, "admin_token_file");
    has_admin_ = true;
  }
  if (!config.read_token_file.empty()) {
    read_ = read_token(config.read_token_file, "admin_read_token_file");
    has_read_ = true;
  }
  constexpr std::string_view name = "foobar_admin_auth_failures_total";
  constexpr std::string_view help = "Admin requests refused: no token, a wrong token, a change without the admin token.";
  missing_ = &metrics.counter(name, help, {{"reason", "missing"}});
  invalid_ = &metrics.counter(name, help, {{"reason", "invalid"}});
  forbidden_ = &metrics.counter(name, help, {{"reason", "forbidden"}});
}

AdminAuth::Verdict AdminAuth::check(const Request& req) const {
  const bool read = req.method == Method::Get || req.method == Method::Head;
  if (read && !has_read_) return Verdict::Allowed;
  if (!read && !has_admin_) return Verdict::NoAdminToken;
  const auto field = req.headers.get("Authorization");
  constexpr std::string_view scheme = "bearer ";
  if (field.size() <= scheme.size() || !iequals(field.substr(0, scheme.size()), scheme)) return Verdict::Missing;
  auto token = field.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  const auto d = sha256(token);
  if (has_admin_ && same(d, admin_)) return Verdict::Allowed;
  if (has_read_ && same(d, read_)) return read ? Verdict::Allowed : Verdict::ReadOnly;
  return Verdict::Invalid;
}

class AdminGate final : public Handler {
 public:
  AdminGate(std::shared_ptr<const AdminAuth> auth, unsigned worker) : auth_(std::move(auth)), worker_(worker) {}

  asio::awaitable<Outcome> handle(Exchange& ex) override {
    const auto verdict = auth_->check(ex.request());
    if (verdict == AdminAuth::Verdict::Allowed) co_return Outcome::Declined;
    if (verdict == AdminAuth::Verdict::ReadOnly || verdict == AdminAuth::Verdict::NoAdminToken) {
      auth_->forbidden_->add(worker_);
      co_await send_error(ex, 403, verdict == AdminAuth::Verdict::ReadOnly
                                       ? "this token may only read"
                                       : "changes need an admin token: start the role with --admin-token-file");
      co_return Outcome::Handled;
    }
    const bool missing = verdict == AdminAuth::Verdict::Missing;
    (missing ? auth_->missing_ : auth_->invalid_)->add(worker_);
    const Header challenge{"WWW-Authenticate", missing ? "Bearer realm=\"foobar admin\""
                                                       : "Bearer realm=\"foobar admin\", error=\"invalid_token\""};
    co_await send_error(ex, 401, missing ? "this request needs a bearer token (Authorization: Bearer ...)"
                                         : "wrong token",
                        {.extra = std::span(&challenge, 1)});
    co_return Outcome::Handled;
  }

 private:
  std::shared_ptr<const AdminAuth> auth_;
  unsigned worker_;
};

std::unique_ptr<Handler> AdminAuth::gate(std::shared_ptr<const AdminAuth> auth, unsigned worker) {
  return std::make_unique<AdminGate>(std::move(auth), worker);
}

}  // namespace foobar::http
