#pragma once
// HTTP dates (RFC 9110 5.6.7): IMF-fixdate out; all three historic forms in.
#include <ctime>
#include <optional>
#include <string_view>

namespace foobar::http {

inline constexpr std::size_t kHttpDateLen = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Writes the IMF-fixdate of t into out (kHttpDateLen bytes, not terminated).
void format_http_date(std::time_t t, char* out) noexcept;
// IMF-fixdate, RFC 850 or asctime form; nullopt if none matches.
std::optional<std::time_t> parse_http_date(std::string_view s) noexcept;
// The current time as an IMF-fixdate, cached per thread and refreshed once a second.
std::string_view http_date_now() noexcept;

}  // namespace foobar::http
