#pragma once
// --redirect-https: a request that came over plain HTTP is sent to its https
// URL, path and query kept; 301 for GET and HEAD, 308 for other methods (so
// the method and body survive). TLS requests pass to the next handler.
#include <cstdint>

#include "http/exchange.hpp"

namespace foobar::http {

class HttpsRedirect final : public Handler {
 public:
  explicit HttpsRedirect(std::uint16_t https_port) : https_port_(https_port) {}
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::uint16_t https_port_;  // left out of the URL when it is 443
};

}  // namespace foobar::http
