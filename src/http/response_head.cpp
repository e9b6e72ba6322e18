#include "http/response_head.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace foobar::http {
namespace {

// A head rarely exceeds this; reserved once, then reused (start() keeps capacity).
constexpr std::size_t kInitialCapacity = 512;

// CR, LF and NUL would end the line early (response splitting): written as SP.
// Checked 8 bytes at a time for any byte below 14 (which covers all three); this
// runs for every header of every response.
bool needs_sanitizing(std::string_view s) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w - kOnes * 14) & ~w & kHigh) break;  // some byte < 14: look closer
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

void append_sanitized(std::string& buf, std::string_view s) {
  if (!needs_sanitizing(s)) {
    buf.append(s);
    return;
  }
  for (const char c : s) buf.push_back((c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return {};
  }
}

void ResponseHead::start(int status, std::string_view reason) {
  buf_.clear();
  has_length_ = false;
  if (buf_.capacity() < kInitialCapacity) buf_.reserve(kInitialCapacity);
  if (status < 100 || status > 999) status = 500;  // the status line needs exactly 3 digits
  status_ = status;
  char code[3] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10)};
  buf_.append("HTTP/1.1 ");
  buf_.append(code, sizeof code);
  buf_.push_back(' ');
  if (reason.empty())
    buf_.append(reason_phrase(status));  // our own table: nothing to sanitize
  else
    append_sanitized(buf_, reason);
  buf_.append("\r\n");
}

void ResponseHead::add(std::string_view name, std::string_view value) {
  note(name);
  append_sanitized(buf_, name);
  buf_.append(": ");
  append_sanitized(buf_, value);
  buf_.append("\r\n");
}

void ResponseHead::add_trusted(std::string_view name, std::string_view value) {
  note(name);
  buf_.append(name).append(": ").append(value).append("\r\n");
}

void ResponseHead::add(std::string_view name, std::uint64_t value) {
  char digits[20];  // UINT64_MAX has 20 digits
  const auto r = std::to_chars(digits, digits + sizeof digits, value);
  add_trusted(name, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
}

void ResponseHead::finish() { buf_.append("\r\n"); }

}  // namespace foobar::http
