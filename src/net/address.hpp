#pragma once
// Address: a numeric IP and a port, where a role listens or what it connects
// to. The one parser and formatter of HOST:PORT text; parsed once, at config
// load. Numeric only ("localhost" is 127.0.0.1): no blocking DNS anywhere.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/config.hpp"

namespace foobar::net {

class Address {
 public:
  // Listen: also "*:80" (every interface), a bare "8080" (127.0.0.1: never every
  // interface by accident) and port 0 (any free port). Connect: a concrete host
  // and a port from 1 to 65535.
  enum class Use { Listen, Connect };

  Address() = default;
  explicit Address(const tcp::endpoint& ep) : ep_(ep) {}

  // "127.0.0.1:8080", "[::1]:80", "localhost:80", and the forms Use allows;
  // nullopt otherwise, with *error saying why.
  static std::optional<Address> parse(std::string_view text, Use use, std::string* error = nullptr);
  // The same; throws std::invalid_argument("invalid address 'TEXT': why").
  static Address parse_or_throw(std::string_view text, Use use);

  const tcp::endpoint& endpoint() const noexcept { return ep_; }
  std::string host() const;  // "127.0.0.1", "::1"
  std::uint16_t port() const noexcept { return ep_.port(); }
  bool is_loopback() const noexcept { return ep_.address().is_loopback(); }
  Address with_port(std::uint16_t port) const { return Address(tcp::endpoint(ep_.address(), port)); }
  // Where a client on this machine reaches a listener on this address: the
  // loopback address for one on every interface (0.0.0.0, ::).
  Address local_target() const;
  std::string str() const;   // "127.0.0.1:8080", "[::1]:8080"
  friend bool operator==(const Address& a, const Address& b) noexcept { return a.ep_ == b.ep_; }

 private:
  tcp::endpoint ep_;
};

// The address under key in a config section (nullopt when absent); ConfigError
// naming file, line and key when it does not parse.
std::optional<Address> read_address(const core::ConfigSection& section, std::string_view key, Address::Use use);

// The IP alone ("127.0.0.1", "::1") written into buf without allocating: it
// goes into every access-log line and X-Forwarded-For header.
inline constexpr std::size_t kMaxAddressText = 46;  // INET6_ADDRSTRLEN
std::string_view format_ip(const tcp::endpoint& ep, char (&buf)[kMaxAddressText]) noexcept;

}  // namespace foobar::net
