#include "net/subnet.hpp"

#include <charconv>
#include <stdexcept>

namespace foobar::net {

namespace {

// The first prefix bits of a (network byte order), the rest cleared.
template <class Bytes>
Bytes masked(Bytes b, unsigned prefix) noexcept {
  for (std::size_t i = 0; i < b.size(); ++i) {
    const unsigned keep = prefix > 8 * i ? std::min(8u, prefix - 8 * static_cast<unsigned>(i)) : 0;
    b[i] &= static_cast<unsigned char>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return b;
}

}  // namespace

asio::ip::address unmapped(const asio::ip::address& a) noexcept {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<Subnet> Subnet::parse(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Subnet> {
    if (error) *error = "invalid subnet '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  const auto slash = text.find('/');
  error_code ec;
  const auto addr = unmapped(asio::ip::make_address(std::string(text.substr(0, slash)), ec));
  if (ec) return fail("want ADDRESS or ADDRESS/PREFIX with a numeric address");
  const unsigned max = addr.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || err != std::errc() || end != digits.data() + digits.size() || prefix > max)
      return fail(addr.is_v4() ? "the prefix must be 0 to 32" : "the prefix must be 0 to 128");
  }
  Subnet s;
  s.prefix_ = prefix;
  s.base_ = addr.is_v4() ? asio::ip::address(asio::ip::make_address_v4(masked(addr.to_v4().to_bytes(), prefix)))
                         : asio::ip::address(asio::ip::make_address_v6(masked(addr.to_v6().to_bytes(), prefix)));
  return s;
}

bool Subnet::contains(const asio::ip::address& raw) const noexcept {
  const auto a = unmapped(raw);
  if (a.is_v4() != base_.is_v4()) return false;
  if (a.is_v4()) return masked(a.to_v4().to_bytes(), prefix_) == base_.to_v4().to_bytes();
  return masked(a.to_v6().to_bytes(), prefix_) == base_.to_v6().to_bytes();
}

std::string Subnet::str() const { return base_.to_string() + "/" + std::to_string(prefix_); }

std::vector<Subnet> read_subnets(const core::ConfigSection& section, std::string_view key) {
  std::vector<Subnet> out;
  for (const auto& text : section.strings(key).value_or(std::vector<std::string>{})) {
    std::string why;
    auto s = Subnet::parse(text, &why);
    if (!s) section.fail(key, why);
    out.push_back(*s);
  }
  return out;
}

Subnet parse_subnet_or_throw(std::string_view text) {
  std::string why;
  auto s = Subnet::parse(text, &why);
  if (!s) throw std::invalid_argument(why);
  return *s;
}

bool any_contains(const std::vector<Subnet>& subnets, const asio::ip::address& a) noexcept {
  for (const auto& s : subnets)
    if (s.contains(a)) return true;
  return false;
}

}  // namespace foobar::net
