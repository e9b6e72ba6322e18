#include "http/field_parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace foobar::http::detail {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

// True when none of the 8 bytes is a CTL (< 0x20, including HTAB) or DEL, i.e.
// all are field-vchar, SP or obs-text. Exact for "is there any" (the usual
// SWAR has-less-than trick; bytes >= 0x80 never trigger it).
inline bool all_plain_field_bytes(std::uint64_t x) noexcept {
  const std::uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
  const std::uint64_t y = x ^ (kOnes * 0x7f);
  const std::uint64_t del = (y - kOnes) & ~y & kHighs;
  return (below_space | del) == 0;
}

bool name_is(std::string_view name, std::string_view lower) noexcept {
  // lower is a lowercase literal of the same length (checked by the caller's switch).
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (to_lower(name[i]) != lower[i]) return false;
  }
  return true;
}

void add_expect(std::string_view value, FramingFields& f) {
  for_each_list_element(value, [&](std::string_view e) {
    if (e.size() == 12 && name_is(e, "100-continue")) {
      f.expect_continue = true;
    } else {
      f.expect_other = true;
    }
  });
}

void add_connection(std::string_view value, FramingFields& f) {
  for_each_list_element(value, [&](std::string_view e) {
    if (e.size() == 5 && name_is(e, "close")) f.conn_close = true;
    if (e.size() == 10 && name_is(e, "keep-alive")) f.conn_keep_alive = true;
  });
}

// Records the headers the framing rules depend on; all others are just stored.
void classify(std::string_view name, std::string_view value, FramingFields& f) {
  switch (name.size()) {
    case 4:
      if (name_is(name, "host")) {
        ++f.host_count;
        f.host = value;
        if (!valid_host(value)) f.host_invalid = true;
      }
      break;
    case 6:
      if (name_is(name, "expect")) add_expect(value, f);
      break;
    case 10:
      if (name_is(name, "connection")) add_connection(value, f);
      break;
    case 14:
      if (name_is(name, "content-length")) add_content_length(value, f);
      break;
    case 17:
      if (name_is(name, "transfer-encoding")) add_transfer_encoding(value, f);
      break;
    default:
      break;
  }
}

}  // namespace

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

ScanResult scan_head(std::string_view buf, const ScanLimits& lim, HeadScan& s) noexcept {
  const char* const d = buf.data();
  // Never search past the head limit: a head that has not ended by then is 431 anyway.
  const std::size_t end = std::min(buf.size(), lim.max_head);
  std::size_t p = s.scanned;
  while (p < end) {
    const void* hit = std::memchr(d + p, '\n', end - p);
    if (hit == nullptr) {
      p = end;
      break;
    }
    const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - d);
    // Byte-at-a-time arrival would have hit the start-line limit before this LF
    // arrived; report the same thing when it all came at once.
    if (s.start_line_end == 0 && lf - s.start >= lim.max_start_line) return ScanResult::StartLineTooLong;
    if (lf == s.line_start || d[lf - 1] != '\r') {
      s.scanned = lf;
      return ScanResult::BareLf;
    }
    const std::size_t next = lf + 1;
    const bool empty_line = lf - s.line_start == 1;
    const std::size_t line_start = s.line_start;
    s.line_start = next;
    p = next;
    if (s.start_line_end == 0) {
      if (empty_line && lim.skip_leading_crlf) {
        s.start = next;
        continue;
      }
      s.start_line_end = next;
      s.scanned = next;
      return ScanResult::StartLine;
    }
    if (empty_line) {
      s.head_end = next;
      s.scanned = next;
      return ScanResult::Complete;
    }
    // Cheap early check (phase 2 validates the rest): rejects "\r\r\n", which
    // a lenient parser might take for the end of the head, without waiting.
    if (is_ows(d[line_start])) return ScanResult::ObsFold;
    if (!is(d[line_start], kToken)) return ScanResult::BadFieldLine;
    if (++s.fields > lim.max_fields) return ScanResult::TooManyFields;
  }
  s.scanned = p;
  // The start line (with its CRLF) can no longer fit once this many bytes of it arrived without an LF.
  if (s.start_line_end == 0 && buf.size() - s.start >= lim.max_start_line) {
    return ScanResult::StartLineTooLong;
  }
  if (buf.size() >= lim.max_head) return ScanResult::HeadTooLarge;
  return ScanResult::Incomplete;
}

const char* parse_fields(std::string_view buf, std::size_t pos, std::size_t end, Headers& headers,
                         FramingFields& framing) {
  // The head ends with CRLF CRLF and every LF follows a CR (scan_head), so every
  // loop below stops at a CR at the latest: no bounds checks needed per byte.
  const char* p = buf.data() + pos;
  const char* const e = buf.data() + end;
  while (p < e) {
    const char* const name = p;
    while (is(*p, kToken)) ++p;
    if (p == name) return is_ows(*p) ? "obsolete line folding" : "invalid header name";
    if (*p != ':') return is_ows(*p) ? "whitespace before colon" : "invalid header name";
    const std::string_view n(name, static_cast<std::size_t>(p - name));
    ++p;
    while (is_ows(*p)) ++p;
    const char* const value = p;
    while (e - p >= 8 && all_plain_field_bytes(load8(p))) p += 8;
    while (is(*p, kField)) ++p;
    if (*p != '\r') return "invalid character in header value";
    if (p[1] != '\n') return "bare CR in header";
    const char* value_end = p;
    while (value_end > value && is_ows(value_end[-1])) --value_end;
    const std::string_view v(value, static_cast<std::size_t>(value_end - value));
    headers.fields.push_back(Header{n, v});
    classify(n, v, framing);
    p += 2;
  }
  return nullptr;
}

void add_content_length(std::string_view value, FramingFields& f) noexcept {
  // Content-Length = 1*DIGIT; a list of identical values (from a combining
  // intermediary) collapses to one; anything else makes the framing unknowable.
  bool any = false;
  for (;;) {
    const std::size_t comma = value.find(',');
    const std::string_view element = trim_ows(value.substr(0, comma));
    if (element.empty()) {
      f.cl_invalid = true;
      return;
    }
    std::uint64_t n = 0;
    for (const char c : element) {
      if (c < '0' || c > '9') {
        f.cl_invalid = true;
        return;
      }
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        f.cl_invalid = true;
        return;
      }
      n = n * 10 + digit;
    }
    if (f.cl_seen && n != f.content_length) {
      f.cl_invalid = true;
      return;
    }
    f.cl_seen = true;
    f.content_length = n;
    any = true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (!any) f.cl_invalid = true;
}

void add_transfer_encoding(std::string_view value, FramingFields& f) noexcept {
  // Codings apply in order, across field lines too. Only chunked is implemented:
  // any other coding (gzip, deflate, compress, identity, ...) is "not understood".
  f.te_seen = true;
  bool any = false;
  for_each_list_element(value, [&](std::string_view coding) {
    any = true;
    for (const char c : coding) {
      if (!is(c, kToken)) {  // parameters (";q=...") or garbage: no coding we support has them
        f.te_invalid = true;
        return;
      }
    }
    if (coding.size() == 7 && name_is(coding, "chunked")) {
      if (f.te_chunked_seen) f.te_invalid = true;  // chunked applied twice
      f.te_chunked_seen = true;
      f.te_chunked_last = true;
    } else {
      f.te_chunked_last = false;
      f.te_unknown = true;
    }
  });
  if (!any) f.te_invalid = true;
}

bool valid_host(std::string_view host) noexcept {
  for (const char c : host) {
    if (!is(c, kHost)) return false;
  }
  return true;
}

bool keep_alive(Version version, const FramingFields& f) noexcept {
  if (f.conn_close) return false;
  return version == Version::Http11 || f.conn_keep_alive;
}

int parse_version(std::string_view s, Version& out) noexcept {
  if (s.size() != 8 || s.substr(0, 5) != "HTTP/" || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
      s[7] < '0' || s[7] > '9') {
    return -1;
  }
  if (s[5] == '1' && s[7] == '1') {
    out = Version::Http11;
    return 1;
  }
  if (s[5] == '1' && s[7] == '0') {
    out = Version::Http10;
    return 1;
  }
  return 0;
}

}  // namespace foobar::http::detail
