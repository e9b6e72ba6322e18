#include "web/url_path.hpp"

#include <vector>

#include "core/text.hpp"

namespace foobar::web {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The common case: no escapes, no dot segments, no empty segments. Such a path
// is already normal, so the general decoder below can be skipped.
bool already_normal(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  char prev = '/';
  for (char c : path.substr(1)) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '_' || c == '~' || c == '.' || c == '/';
    if (!plain || (prev == '/' && (c == '/' || c == '.'))) return false;
    prev = c;
  }
  return true;
}

}  // namespace

UrlPath resolve_url_path(std::string_view path) {
  UrlPath out;
  if (already_normal(path)) {
    out.trailing_slash = path.back() == '/';
    out.relative.assign(path.substr(1, path.size() - (out.trailing_slash ? 2 : 1)));
    return out;
  }
  auto bad = [&out] {
    out.verdict = UrlPath::Verdict::BadRequest;
    return out;
  };
  // absolute-form: "http://host/path" -> "/path"
  if (!path.starts_with('/')) {
    auto scheme = path.find("://");
    if (scheme == std::string_view::npos) return bad();
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }

  std::string decoded;
  decoded.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return bad();
      int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return bad();
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return bad();
    decoded += c;
  }

  // Split on '/', dropping empty and "." segments; ".." pops (never above the root).
  std::vector<std::string_view> segments;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    auto seg = core::pop_item(rest, '/');
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segments.empty()) return bad();
      segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  for (auto seg : segments)
    if (seg.front() == '.') {
      out.verdict = UrlPath::Verdict::NotFound;
      return out;
    }
  out.trailing_slash = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) out.relative += '/';
    out.relative += segments[i];
  }
  return out;
}

}  // namespace foobar::web
