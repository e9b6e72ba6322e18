#pragma once
// HOST:PORT parsing for listeners and upstreams. Numeric addresses only
// ("localhost" is accepted as 127.0.0.1): no blocking DNS anywhere.
#include <optional>
#include <string>
#include <string_view>

#include "core/asio.hpp"

namespace foobar::net {

// "127.0.0.1:8080", "[::1]:80", "*:80" / "0.0.0.0:80", "localhost:80"; a bare
// port ("8404") means 127.0.0.1:8404.
// Returns nullopt on anything else (error says why).
std::optional<tcp::endpoint> parse_endpoint(std::string_view text, std::string* error = nullptr);
// Like parse_endpoint but throws std::invalid_argument naming the text.
tcp::endpoint endpoint_or_throw(std::string_view text);
// "127.0.0.1:8080" / "[::1]:8080".
std::string to_string(const tcp::endpoint& ep);

// The address alone ("127.0.0.1", "::1") written into buf, without allocating:
// it goes into every access-log line and X-Forwarded-For header.
inline constexpr std::size_t kMaxAddressText = 46;  // INET6_ADDRSTRLEN
std::string_view format_address(const tcp::endpoint& ep, char (&buf)[kMaxAddressText]) noexcept;

}  // namespace foobar::net
