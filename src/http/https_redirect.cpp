#include "http/https_redirect.hpp"

#include <fmt/format.h>

#include "http/error_response.hpp"
#include "net/address.hpp"

namespace foobar::http {
namespace {

// The host part of a Host field: "[::1]:8080" -> "[::1]", "a.example:80" -> "a.example".
std::string_view host_without_port(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

}  // namespace

asio::awaitable<Outcome> HttpsRedirect::handle(Exchange& ex) {
  if (ex.is_tls()) co_return Outcome::Declined;
  const Request& req = ex.request();
  std::string host(host_without_port(req.host));
  if (host.empty()) {  // HTTP/1.0 without Host: the address the client reached
    auto local = ex.local();
    host = local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
  }
  std::string location = "https://" + host;
  if (https_port_ != 443) location += fmt::format(":{}", https_port_);
  location.append(req.path.starts_with('/') ? req.path : std::string_view("/"));
  if (!req.query.empty()) location.append("?").append(req.query);
  const bool safe = req.method == Method::Get || req.method == Method::Head;
  const Header fields[] = {{"Location", location}};
  co_await send_error(ex, safe ? 301 : 308, {}, {.extra = fields});
  co_return Outcome::Handled;
}

}  // namespace foobar::http
