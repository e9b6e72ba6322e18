#include "core/json_text.hpp"

#include "core/utf8.hpp"

namespace foobar::core {

namespace {

// Bytes that cannot be copied as they are: '"', '\\', controls, and every
// non-ASCII byte (its sequence is checked first).
constexpr bool needs_care(unsigned char c) noexcept { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      static constexpr char hex[] = "0123456789abcdef";
      const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!needs_care(c)) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence(s, i)) {
        i += n;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    if (c >= 0x80)
      out += "\xEF\xBF\xBD";  // U+FFFD
    else
      append_escape(out, c);
    run = ++i;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace foobar::core
