#include "http/acme_challenges.hpp"

#include "http/error_response.hpp"

namespace foobar::http {

namespace {
constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
}

void AcmeChallenges::publish(const std::string& token, const std::string& answer) {
  std::lock_guard lock(mu_);
  if (answer.empty())
    answers_.erase(token);
  else
    answers_[token] = answer;
}

std::optional<std::string> AcmeChallenges::find(std::string_view token) const {
  std::lock_guard lock(mu_);
  if (auto it = answers_.find(token); it != answers_.end()) return it->second;
  return std::nullopt;
}

asio::awaitable<Outcome> AcmeChallengeHandler::handle(Exchange& ex) {
  const Request& req = ex.request();
  if (!req.path.starts_with(kPrefix)) co_return Outcome::Declined;
  if (req.method != Method::Get && req.method != Method::Head) {
    const Header allow[] = {{"Allow", "GET, HEAD"}};
    co_await send_error(ex, 405, {}, {.extra = allow});
    co_return Outcome::Handled;
  }
  auto answer = board_->find(req.path.substr(kPrefix.size()));
  if (!answer) {
    co_await send_error(ex, 404);
    co_return Outcome::Handled;
  }
  auto& head = ex.begin(200);
  head.add("Content-Type", "application/octet-stream");
  head.add("Cache-Control", "no-store");
  co_await ex.send(*answer);
  co_return Outcome::Handled;
}

}  // namespace foobar::http
