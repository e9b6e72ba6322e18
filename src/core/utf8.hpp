#pragma once
// UTF-8 validation (RFC 3629): the site's input rules and the JSON writer share it.
#include <cstddef>
#include <optional>
#include <string_view>

namespace foobar::core {

// Length of the valid UTF-8 sequence starting at s[i] (i < s.size()), 0 if it
// is invalid (bad lead or continuation byte, truncated, overlong, surrogate,
// above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept;
// Number of code points if s is valid UTF-8 (no overlongs, surrogates or
// values above U+10FFFF), else nullopt.
std::optional<std::size_t> utf8_length(std::string_view s) noexcept;

}  // namespace foobar::core
