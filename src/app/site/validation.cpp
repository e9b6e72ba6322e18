#include "app/site/validation.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace foobar::app::site {

namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool has_control(std::string_view s, bool allow_newlines) {
  for (unsigned char c : s) {
    if (c == 0x7F) return true;
    if (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) return true;
  }
  return false;
}

bool check_field(const nlohmann::json& obj, const char* name, std::size_t max_chars, bool allow_newlines,
                 std::string& out, ClientError& err) {
  auto it = obj.find(name);
  if (it == obj.end()) {
    err = {400, std::string("missing \"") + name + "\""};
    return false;
  }
  if (!it->is_string()) {
    err = {400, std::string("\"") + name + "\" must be a string"};
    return false;
  }
  out = it->get<std::string>();
  auto len = utf8_length(out);
  if (!len) {
    err = {400, std::string("\"") + name + "\" is not valid UTF-8"};
    return false;
  }
  if (*len == 0 || blank(out)) {
    err = {400, std::string("\"") + name + "\" must not be empty"};
    return false;
  }
  if (*len > max_chars) {
    err = {400, std::string("\"") + name + "\" is longer than " + std::to_string(max_chars) + " characters"};
    return false;
  }
  if (has_control(out, allow_newlines)) {
    err = {400, std::string("\"") + name + "\" contains control characters"};
    return false;
  }
  return true;
}

template <class T>
bool parse_decimal(std::string_view s, T& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

bool parse_new_post(std::string_view json, NewPost& out, ClientError& err) {
  if (json.size() > kMaxPostBytes) {
    err = {413, "request body too large"};
    return false;
  }
  if (!utf8_length(json)) {
    err = {400, "request body is not valid UTF-8"};
    return false;
  }
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded()) {
    err = {400, "malformed JSON"};
    return false;
  }
  if (!doc.is_object()) {
    err = {400, "expected a JSON object with \"author\" and \"body\""};
    return false;
  }
  return check_field(doc, "author", kMaxAuthorChars, false, out.author, err) &&
         check_field(doc, "body", kMaxBodyChars, true, out.body, err);
}

bool parse_list_query(std::string_view query, ListQuery& out, ClientError& err) {
  out = {};
  while (!query.empty()) {
    auto item = core::pop_item(query, '&');
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key == "limit") {
      std::uint64_t n = 0;
      if (!parse_decimal(value, n) || n == 0) {
        // A huge number is still a number: cap it rather than reject.
        if (value.size() > 19 && value.find_first_not_of("0123456789") == std::string_view::npos &&
            value[0] != '0') {
          n = kMaxLimit;
        } else {
          err = {400, "limit must be an integer from 1 to " + std::to_string(kMaxLimit)};
          return false;
        }
      }
      out.limit = static_cast<unsigned>(std::min<std::uint64_t>(n, kMaxLimit));
    } else if (key == "before") {
      auto id = parse_post_id(value);
      if (!id) {
        err = {400, "before must be a positive post id"};
        return false;
      }
      out.before = *id;
    }
  }
  return true;
}

std::optional<std::uint64_t> parse_post_id(std::string_view segment) noexcept {
  std::uint64_t id = 0;
  if (!parse_decimal(segment, id) || id == 0 ||
      id > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  return id;
}

}  // namespace foobar::app::site
