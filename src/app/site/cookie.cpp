#include "app/site/cookie.hpp"

namespace foobar::app::site {

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto item = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || item.substr(0, eq) != name) continue;
    auto value = item.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

namespace {
bool is_cookie_header(std::string_view name) {
  static constexpr std::string_view kCookie = "cookie";
  if (name.size() != kCookie.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if ((name[i] | 0x20) != kCookie[i]) return false;
  return true;
}
}  // namespace

std::optional<db::Gtid> gtid_from_cookies(const http::Headers& headers) {
  std::optional<db::Gtid> best;
  for (const auto& h : headers.fields) {
    if (!is_cookie_header(h.name)) continue;
    if (auto v = cookie_value(h.value, kGtidCookie))
      if (auto g = db::parse_gtid(*v)) best = g;
  }
  return best;
}

std::string gtid_set_cookie(const db::Gtid& gtid) {
  return std::string(kGtidCookie) + "=" + gtid.str() + "; Path=/; Max-Age=" + std::to_string(kGtidCookieMaxAge) +
         "; HttpOnly; SameSite=Lax";
}

}  // namespace foobar::app::site
