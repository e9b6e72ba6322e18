#include "app/site/cookie.hpp"

#include "core/text.hpp"

namespace foobar::app::site {

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto item = core::trim_ows(core::pop_item(header, ';'));
    auto eq = item.find('=');
    if (eq == std::string_view::npos || item.substr(0, eq) != name) continue;
    auto value = item.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::optional<db::Gtid> gtid_from_cookies(const http::Headers& headers) {
  std::optional<db::Gtid> best;
  for (const auto& h : headers.fields) {
    if (!http::iequals(h.name, "cookie")) continue;
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
