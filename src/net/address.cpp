#include "net/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace foobar::net {

std::optional<Address> Address::parse(std::string_view text, Use use, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Address> {
    if (error) *error = why;
    return std::nullopt;
  };
  const bool listen = use == Use::Listen;
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (listen && !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    host = "127.0.0.1";
    port = text;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p > 65535 || (!listen && p == 0))
    return fail(listen ? "port must be a number from 0 to 65535" : "port must be a number from 1 to 65535");
  if (listen && (host == "*" || host.empty())) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  error_code aec;
  auto addr = asio::ip::make_address(std::string(host), aec);
  if (aec) return fail("host must be a numeric IPv4/IPv6 address (no DNS)");
  if (!listen && addr.is_unspecified()) return fail("host must be a concrete address, not every interface");
  return Address(tcp::endpoint(addr, static_cast<unsigned short>(p)));
}

Address Address::parse_or_throw(std::string_view text, Use use) {
  std::string why;
  auto a = parse(text, use, &why);
  if (!a) throw std::invalid_argument("invalid address '" + std::string(text) + "': " + why);
  return *a;
}

std::optional<Address> read_address(const core::ConfigSection& section, std::string_view key, Address::Use use) {
  auto text = section.string(key);
  if (!text) return std::nullopt;
  std::string why;
  auto a = Address::parse(*text, use, &why);
  if (!a) section.fail(key, "'" + *text + "': " + why);
  return a;
}

Address Address::local_target() const {
  const auto a = ep_.address();
  if (!a.is_unspecified()) return *this;
  return Address(tcp::endpoint(a.is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                                         : asio::ip::address(asio::ip::address_v4::loopback()),
                               ep_.port()));
}

std::string Address::host() const { return ep_.address().to_string(); }

std::string Address::str() const {
  auto port = std::to_string(ep_.port());
  return ep_.address().is_v6() ? "[" + host() + "]:" + port : host() + ":" + port;
}

std::string_view format_ip(const tcp::endpoint& ep, char (&buf)[kMaxAddressText]) noexcept {
  const sockaddr* sa = ep.data();
  if (sa->sa_family != AF_INET) {  // rare here: the libc formatter is fine
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
  }
  // glibc's inet_ntop goes through sprintf; four small numbers do not need it.
  const auto* b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    if (i) *p++ = '.';
    unsigned v = b[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  return {buf, static_cast<std::size_t>(p - buf)};
}

}  // namespace foobar::net
