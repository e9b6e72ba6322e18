#pragma once
// Maps a request path to a path relative to the document root, safely:
// percent-decoding first, then dot-segment removal (RFC 3986 5.2.4), so no
// encoding (%2e%2e, %2f, %00, backslashes) can reach outside the root.
#include <string>
#include <string_view>

namespace foobar::web {

struct UrlPath {
  enum class Verdict { Ok, BadRequest, NotFound };
  Verdict verdict = Verdict::Ok;
  std::string relative;         // "" for the root, else "a/b.html" (no leading '/')
  bool trailing_slash = false;  // the request named a directory form ("/a/")
};

// Decodes and normalizes an origin-form path (absolute-form targets are accepted
// and their authority skipped). BadRequest: invalid escapes, NUL, backslash,
// climbing above the root. NotFound: a dotfile or dot-directory segment.
UrlPath resolve_url_path(std::string_view path);

}  // namespace foobar::web
