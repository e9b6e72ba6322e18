#pragma once
// Subnet: an IP network ("10.0.0.0/8", "2001:db8::/32"; a bare address is a
// host), for lists of trusted peers. Parsed once, at config load.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "core/config.hpp"

namespace foobar::net {

class Subnet {
 public:
  // nullopt, with *error saying why, for anything but ADDRESS[/PREFIX].
  static std::optional<Subnet> parse(std::string_view text, std::string* error = nullptr);
  bool contains(const asio::ip::address& a) const noexcept;
  std::string str() const;
  const asio::ip::address& base() const noexcept { return base_; }
  unsigned prefix() const noexcept { return prefix_; }

 private:
  asio::ip::address base_;  // with the host bits cleared
  unsigned prefix_ = 0;
};

// The subnets listed under key (a string or an array of them; empty when
// absent); ConfigError naming file, line and key for one that does not parse.
std::vector<Subnet> read_subnets(const core::ConfigSection& section, std::string_view key);
// One --flag value; throws std::invalid_argument saying why.
Subnet parse_subnet_or_throw(std::string_view text);

bool any_contains(const std::vector<Subnet>& subnets, const asio::ip::address& a) noexcept;

// The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:10.0.0.1), else a itself.
asio::ip::address unmapped(const asio::ip::address& a) noexcept;

}  // namespace foobar::net
