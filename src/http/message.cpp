#include "http/message.hpp"

#include "http/field_parser.hpp"

namespace foobar::http {

bool iequals_n(const char* a, const char* b, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    if (detail::to_lower(a[i]) != detail::to_lower(b[i])) return false;
  }
  return true;
}

std::string_view Headers::get(std::string_view name) const noexcept {
  for (const Header& h : fields) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

bool Headers::has(std::string_view name) const noexcept {
  for (const Header& h : fields) {
    if (iequals(h.name, name)) return true;
  }
  return false;
}

bool Headers::has_token(std::string_view name, std::string_view token) const noexcept {
  // A list header may be sent as several field lines; all of them count.
  for (const Header& h : fields) {
    if (!iequals(h.name, name)) continue;
    bool found = false;
    detail::for_each_list_element(h.value, [&](std::string_view element) {
      if (iequals(element, token)) found = true;
    });
    if (found) return true;
  }
  return false;
}

void Request::clear() noexcept {
  method = Method::Get;
  method_text = {};
  target = {};
  path = {};
  query = {};
  version = Version::Http11;
  headers.fields.clear();  // keeps capacity: no allocation on the next request
  host = {};
  body = BodyKind::None;
  content_length = 0;
  keep_alive = true;
  expect_continue = false;
  ids.clear();
  head_size = 0;
}

void Response::clear() noexcept {
  version = Version::Http11;
  status = 0;
  reason = {};
  headers.fields.clear();
  body = BodyKind::None;
  content_length = 0;
  keep_alive = true;
  head_size = 0;
}

std::string_view method_name(Method m) noexcept {
  switch (m) {
    case Method::Get: return "GET";
    case Method::Head: return "HEAD";
    case Method::Post: return "POST";
    case Method::Put: return "PUT";
    case Method::Delete: return "DELETE";
    case Method::Options: return "OPTIONS";
    case Method::Patch: return "PATCH";
    case Method::Trace: return "TRACE";
    case Method::Connect: return "CONNECT";
    case Method::Other: break;
  }
  return "OTHER";
}

bool is_idempotent(Method m) noexcept {
  switch (m) {
    case Method::Get:
    case Method::Head:
    case Method::Put:
    case Method::Delete:
    case Method::Options:
    case Method::Trace:
      return true;
    default:
      return false;
  }
}

}  // namespace foobar::http
