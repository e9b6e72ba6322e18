#pragma once
// The read-your-writes cookie: after a write the app hands the client the
// write's GTID; reads carrying it are never served older data than that.
#include <optional>
#include <string>
#include <string_view>

#include "db/gtid.hpp"
#include "http/message.hpp"

namespace foobar::app::site {

inline constexpr std::string_view kGtidCookie = "foobar_gtid";
inline constexpr int kGtidCookieMaxAge = 300;  // seconds; replicas catch up far sooner

// The GTID from the request's Cookie header(s), if present and well-formed.
std::optional<db::Gtid> gtid_from_cookies(const http::Headers& headers);
// Value of a cookie in one Cookie header value ("a=1; b=2"), or nullopt.
std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name);
// The Set-Cookie header value for gtid.
std::string gtid_set_cookie(const db::Gtid& gtid);

}  // namespace foobar::app::site
