#pragma once
#include <string_view>

namespace foobar::web {

// Content-Type for a file name, from its extension (case-insensitive);
// "application/octet-stream" when unknown. Text types carry charset=utf-8.
std::string_view mime_type(std::string_view filename) noexcept;

}  // namespace foobar::web
