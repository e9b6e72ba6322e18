#pragma once
// string_view helpers for list-shaped values: header lists, cookies, queries, paths.
#include <string_view>

namespace foobar::core {

// Removes the first item (up to sep, and sep itself) from the front of list and
// returns it; the whole of list when sep does not occur.
inline std::string_view pop_item(std::string_view& list, char sep) noexcept {
  auto pos = list.find(sep);
  auto item = list.substr(0, pos);
  list = pos == std::string_view::npos ? std::string_view{} : list.substr(pos + 1);
  return item;
}

// s without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace foobar::core
