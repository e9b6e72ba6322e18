#include "web/preconditions.hpp"

#include <charconv>

#include "core/text.hpp"
#include "http/date.hpp"

namespace foobar::web {
namespace {

using core::pop_item;
using core::trim_ows;

// Whether a comma-separated entity-tag list matches etag ("*" matches any).
// weak: W/"x" equals "x" (If-None-Match); strong: weak tags never match (If-Match).
bool etag_list_matches(std::string_view list, std::string_view etag, bool weak) {
  list = trim_ows(list);
  if (list == "*") return true;
  while (!list.empty()) {
    auto tag = trim_ows(pop_item(list, ','));
    bool is_weak = tag.starts_with("W/");
    if (is_weak) {
      if (!weak) continue;
      tag.remove_prefix(2);
    }
    if (tag == etag) return true;
  }
  return false;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

int evaluate_preconditions(const http::Request& req, std::string_view etag, std::time_t mtime) {
  const auto& h = req.headers;
  bool get_or_head = req.method == http::Method::Get || req.method == http::Method::Head;
  if (h.has("if-match")) {
    if (!etag_list_matches(h.get("if-match"), etag, false)) return 412;
  } else if (auto ius = http::parse_http_date(h.get("if-unmodified-since"))) {
    if (mtime > *ius) return 412;
  }
  if (h.has("if-none-match")) {
    if (etag_list_matches(h.get("if-none-match"), etag, true)) return get_or_head ? 304 : 412;
  } else if (get_or_head) {
    if (auto ims = http::parse_http_date(h.get("if-modified-since")); ims && mtime <= *ims) return 304;
  }
  return 0;
}

RangeRequest evaluate_range(const http::Request& req, std::uint64_t size, std::string_view etag,
                            std::time_t mtime, std::size_t max_ranges) {
  RangeRequest out;
  auto header = req.headers.get("range");
  if (header.empty() || (req.method != http::Method::Get && req.method != http::Method::Head)) return out;
  // If-Range: the range applies only if the validator still matches (strongly).
  if (auto if_range = trim_ows(req.headers.get("if-range")); !if_range.empty()) {
    if (if_range.starts_with('"') || if_range.starts_with("W/")) {
      if (if_range != etag) return out;
    } else {
      auto date = http::parse_http_date(if_range);
      if (!date || *date != mtime) return out;
    }
  }
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !http::iequals(trim_ows(header.substr(0, eq)), "bytes")) return out;
  std::string_view list = header.substr(eq + 1);
  bool any_valid = false;
  while (!list.empty()) {
    auto spec = trim_ows(pop_item(list, ','));
    if (spec.empty()) continue;
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    auto first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
    std::uint64_t first = 0, last = 0;
    if (first_text.empty()) {  // suffix: the last N bytes
      if (!parse_u64(last_text, last)) return {};
      any_valid = true;
      if (last == 0 || size == 0) continue;
      first = last >= size ? 0 : size - last;
      last = size - 1;
    } else {
      if (!parse_u64(first_text, first)) return {};
      if (last_text.empty()) {
        last = size ? size - 1 : 0;
      } else if (!parse_u64(last_text, last) || last < first) {
        return {};
      }
      any_valid = true;
      if (first >= size) continue;
      if (last >= size) last = size - 1;
    }
    out.ranges.push_back({first, last - first + 1});
    if (out.ranges.size() > max_ranges) return {};
  }
  if (!any_valid) return {};
  out.kind = out.ranges.empty() ? RangeRequest::Kind::Unsatisfiable : RangeRequest::Kind::Partial;
  return out;
}

}  // namespace foobar::web
