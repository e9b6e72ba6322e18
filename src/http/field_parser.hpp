#pragma once
// Internal to the codec (namespace detail): character classes, the incremental
// head scanner and the field-line parser shared by RequestParser and
// ResponseParser, so each RFC 9112 rule is written exactly once.
// No Asio and no allocation here: the fuzz targets compile these files alone.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message.hpp"

namespace foobar::http::detail {

// ---- character classes (one 256-entry table, a bit per class)
enum : std::uint8_t {
  kToken = 1,   // tchar (RFC 9110 5.6.2): method, header names, codings
  kField = 2,   // field-vchar / SP / HTAB / obs-text: header values, reason phrase
  kTarget = 4,  // VCHAR (0x21-0x7E): request-target bytes (no CTL, SP, DEL or non-ASCII)
  kHost = 8,    // reg-name / IP-literal / port bytes in Host and authorities
  kHex = 16,    // HEXDIG
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
  std::array<std::uint8_t, 256> t{};
  constexpr std::string_view tspecial = "!#$%&'*+-.^_`|~";
  constexpr std::string_view host_extra = "-._~!$&'()*+,;=:[]%";
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    std::uint8_t v = 0;
    if (alpha || digit || tspecial.find(static_cast<char>(c)) != std::string_view::npos) v |= kToken;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) v |= kField;
    if (c > 0x20 && c < 0x7f) v |= kTarget;
    if (alpha || digit || host_extra.find(static_cast<char>(c)) != std::string_view::npos) v |= kHost;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}
inline constexpr std::array<std::uint8_t, 256> kCharClass = make_char_classes();

inline bool is(char c, std::uint8_t cls) noexcept {
  return (kCharClass[static_cast<unsigned char>(c)] & cls) != 0;
}
inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
inline char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Trims optional whitespace (SP / HTAB) on both ends.
std::string_view trim_ows(std::string_view s) noexcept;

// Calls f(element) for every non-empty, OWS-trimmed element of a comma list
// (RFC 9110 5.6.1: empty elements are ignored).
template <class F>
void for_each_list_element(std::string_view v, F&& f) {
  while (!v.empty()) {
    const std::size_t comma = v.find(',');
    const std::string_view element = trim_ows(v.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

// ---- phase 1: finding the end of a head, incrementally
// Searches only bytes it has not searched before (a head arriving a byte at a
// time costs O(n)) and enforces the size limits as soon as they are exceeded.
struct HeadScan {
  std::size_t scanned = 0;         // bytes [0, scanned) already searched for LF
  std::size_t line_start = 0;      // offset of the line being received
  std::size_t start = 0;           // offset of the start line (after ignored empty lines)
  std::size_t start_line_end = 0;  // just past the start line's LF; 0 until it arrived
  std::size_t fields = 0;          // complete field lines so far
  std::size_t head_end = 0;        // just past the final CRLF; 0 until it arrived
};

struct ScanLimits {
  std::size_t max_start_line;  // start line including its CRLF
  std::size_t max_head;        // whole head including the final CRLF
  std::size_t max_fields;
  bool skip_leading_crlf;      // requests: ignore empty lines before the request line (RFC 9112 2.2)
};

enum class ScanResult : std::uint8_t {
  Incomplete,     // need more bytes
  StartLine,      // the start line just completed: validate it, then call again
  Complete,       // head_end is set
  BareLf,         // an LF not preceded by CR
  ObsFold,        // a field line starting with SP / HTAB (or whitespace before the first field)
  BadFieldLine,   // a field line not starting with a name character ("\r\r\n", ":x", ...)
  StartLineTooLong,
  HeadTooLarge,
  TooManyFields,
};

ScanResult scan_head(std::string_view buf, const ScanLimits& limits, HeadScan& s) noexcept;

// ---- phase 2: field lines of a complete head
// What the framing rules need, gathered while the fields are parsed.
struct FramingFields {
  std::size_t host_count = 0;
  std::string_view host;
  bool host_invalid = false;

  bool cl_seen = false;
  bool cl_invalid = false;  // non-numeric, overflowing, or differing values
  std::uint64_t content_length = 0;

  bool te_seen = false;
  bool te_invalid = false;      // syntax error, chunked twice, or chunked not last
  bool te_unknown = false;      // a coding other than chunked
  bool te_chunked_last = false;
  bool te_chunked_seen = false;

  bool conn_close = false;
  bool conn_keep_alive = false;

  bool expect_continue = false;  // an Expect of exactly 100-continue
  bool expect_other = false;     // any other expectation
};

// Parses the field lines in [p, end), where end is the offset of the final
// CRLF of a head already checked by scan_head (every LF is preceded by CR).
// Appends to headers (views into buf) and fills framing.
// Returns nullptr, or the reason the head is malformed (400 / 502).
const char* parse_fields(std::string_view buf, std::size_t p, std::size_t end, Headers& headers,
                         FramingFields& framing);

// Content-Length value (possibly a list of identical values) -> framing.
void add_content_length(std::string_view value, FramingFields& framing) noexcept;
// Transfer-Encoding value (one field line of codings, in order) -> framing.
void add_transfer_encoding(std::string_view value, FramingFields& framing) noexcept;
// Whether a Host value (or an authority) is syntactically acceptable; empty is allowed.
bool valid_host(std::string_view host) noexcept;
// keep-alive per version and the Connection tokens (close wins).
bool keep_alive(Version version, const FramingFields& framing) noexcept;
// Parses "HTTP/1.0" / "HTTP/1.1" (exactly 8 bytes). Returns 1 for a valid
// version, 0 for a well-formed but unsupported "HTTP/x.y", -1 for garbage.
int parse_version(std::string_view s, Version& out) noexcept;

}  // namespace foobar::http::detail
