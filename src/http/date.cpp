#include "http/date.hpp"

#include <cstring>

namespace foobar::http {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void two(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

int month_index(std::string_view m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i;
  return -1;
}

// Reads exactly n digits at s[pos]; -1 if not digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<std::time_t> make_time(int year, int mon, int day, int h, int m, int sec) {
  if (mon < 0 || day < 1 || day > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return timegm(&tm);
}

// "HH:MM:SS" at pos.
bool clock_at(std::string_view s, std::size_t pos, int& h, int& m, int& sec) {
  if (pos + 8 > s.size() || s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  h = digits(s, pos, 2);
  m = digits(s, pos + 3, 2);
  sec = digits(s, pos + 6, 2);
  return h >= 0 && m >= 0 && sec >= 0;
}

}  // namespace

void format_http_date(std::time_t t, char* out) noexcept {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::memcpy(out, kDays[tm.tm_wday], 3);
  std::memcpy(out + 3, ", ", 2);
  two(out + 5, tm.tm_mday);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[tm.tm_mon], 3);
  out[11] = ' ';
  int year = tm.tm_year + 1900;
  two(out + 12, year / 100);
  two(out + 14, year % 100);
  out[16] = ' ';
  two(out + 17, tm.tm_hour);
  out[19] = ':';
  two(out + 20, tm.tm_min);
  out[22] = ':';
  two(out + 23, tm.tm_sec);
  std::memcpy(out + 25, " GMT", 4);
}

std::optional<std::time_t> parse_http_date(std::string_view s) noexcept {
  int h, m, sec;
  auto comma = s.find(',');
  if (comma == 3 && s.size() == kHttpDateLen) {  // Sun, 06 Nov 1994 08:49:37 GMT
    if (s.substr(25) != " GMT" || !clock_at(s, 17, h, m, sec)) return std::nullopt;
    return make_time(digits(s, 12, 4), month_index(s.substr(8, 3)), digits(s, 5, 2), h, m, sec);
  }
  if (comma != std::string_view::npos) {  // Sunday, 06-Nov-94 08:49:37 GMT
    std::size_t p = comma + 2;
    if (s.size() != p + 22 || s[p + 2] != '-' || s[p + 6] != '-' || s.substr(p + 18) != " GMT" ||
        !clock_at(s, p + 10, h, m, sec))
      return std::nullopt;
    int yy = digits(s, p + 7, 2);
    if (yy < 0) return std::nullopt;
    return make_time(yy < 70 ? 2000 + yy : 1900 + yy, month_index(s.substr(p + 3, 3)),
                     digits(s, p, 2), h, m, sec);
  }
  if (s.size() == 24) {  // Sun Nov  6 08:49:37 1994
    int day = s[8] == ' ' ? digits(s, 9, 1) : digits(s, 8, 2);
    if (!clock_at(s, 11, h, m, sec)) return std::nullopt;
    return make_time(digits(s, 20, 4), month_index(s.substr(4, 3)), day, h, m, sec);
  }
  return std::nullopt;
}

std::string_view http_date_now() noexcept {
  thread_local std::time_t cached = 0;
  thread_local char buf[kHttpDateLen];
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    cached = now;
    format_http_date(now, buf);
  }
  return {buf, kHttpDateLen};
}

}  // namespace foobar::http
