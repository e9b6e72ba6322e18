#pragma once
// JSON string output written straight into one string (the site's posts, error
// replies): the hot paths build no JSON tree.
#include <string>
#include <string_view>

namespace foobar::core {

// Appends s as a JSON string literal (RFC 8259 section 7): '"', '\\' and the
// control characters escaped, valid UTF-8 copied as is, every byte of an
// invalid sequence replaced by U+FFFD (the text is never rejected).
void append_json_string(std::string& out, std::string_view s);

}  // namespace foobar::core
