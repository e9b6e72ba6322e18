#pragma once
// The HTTP-01 answers of an ACME client (RFC 8555 §8.3): while a challenge is
// pending, GET /.well-known/acme-challenge/TOKEN answers its key authorization,
// on the plain listener before any redirect to https (the CA asks over http).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "http/exchange.hpp"

namespace foobar::http {

// Shared by every worker and the ACME client's thread.
class AcmeChallenges {
 public:
  // answer "" withdraws token.
  void publish(const std::string& token, const std::string& answer);
  std::optional<std::string> find(std::string_view token) const;

 private:
  mutable std::mutex mu_;  // taken for challenge requests only
  std::map<std::string, std::string, std::less<>> answers_;
};

class AcmeChallengeHandler final : public Handler {
 public:
  explicit AcmeChallengeHandler(std::shared_ptr<const AcmeChallenges> board) : board_(std::move(board)) {}
  // Answers the challenge path (404 for a token not pending); declines every other.
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::shared_ptr<const AcmeChallenges> board_;
};

}  // namespace foobar::http
