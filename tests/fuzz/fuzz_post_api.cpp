// The message board's JSON in and out. Any request body is either refused with
// 400/413 or yields a post within the rules, and the JSON written for that post
// parses back to the same text. Any bytes at all through the JSON string writer
// give valid JSON, and valid UTF-8 comes back unchanged.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "app/site/post.hpp"
#include "app/site/validation.hpp"
#include "fuzz_common.hpp"

using namespace foobar::app::site;
using foobar::core::append_json_string;

namespace {
void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const foobar::fuzz::Exact in(std::string_view(reinterpret_cast<const char*>(data), size));

  NewPost post;
  ClientError err;
  if (parse_new_post(in.view(), post, err)) {
    const auto author = utf8_length(post.author), body = utf8_length(post.body);
    require(author && *author >= 1 && *author <= 64, "author within 1-64 characters of UTF-8");
    require(body && *body >= 1 && *body <= 4000, "body within 1-4000 characters of UTF-8");
    const Post p{42, post.author, post.body, "2025-01-31T12:34:56.789Z"};
    const auto j = nlohmann::json::parse(post_json(p), nullptr, false);
    require(!j.is_discarded() && j.is_object(), "post_json is a JSON object");
    require(j["author"] == post.author && j["body"] == post.body && j["id"] == 42, "post_json round-trips");
  } else {
    require(err.status == 400 || err.status == 413, "a refusal is 400 or 413");
    require(!err.message.empty(), "a refusal says why");
  }

  std::string out;
  append_json_string(out, in.view());
  const auto parsed = nlohmann::json::parse(out, nullptr, false);
  require(!parsed.is_discarded() && parsed.is_string(), "append_json_string writes a JSON string");
  if (utf8_length(in.view())) require(parsed.get<std::string>() == in.view(), "valid UTF-8 is written unchanged");
  return 0;
}
