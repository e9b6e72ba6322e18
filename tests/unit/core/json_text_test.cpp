#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace foobar::core {

namespace {
std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

TEST(JsonText, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(json(""), "\"\"");
  EXPECT_EQ(json("hello </script> 'x'"), "\"hello </script> 'x'\"");
  EXPECT_EQ(json("caf\xc3\xa9 \xe3\x81\x82 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe3\x81\x82 \xf0\x9f\x98\x80\"");
}

TEST(JsonText, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json(std::string_view("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(json("\x7f"), "\"\x7f\"");  // DEL is legal JSON text
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json("a\xff" "b"), "\"a" + fffd + "b\"");
  EXPECT_EQ(json("\xc0\xaf"), "\"" + fffd + fffd + "\"");            // overlong '/'
  EXPECT_EQ(json("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(json("\xe3\x81"), "\"" + fffd + fffd + "\"");             // truncated
}

TEST(JsonText, AlwaysParsesBackToTheText) {
  // Every single byte and a few two-byte mixes: the output is valid JSON, and
  // valid input comes back unchanged.
  for (int c = 0; c < 256; ++c) {
    for (std::string_view tail : {"", "x", "\xc3\xa9", "\""}) {
      std::string s = std::string(1, static_cast<char>(c)) + std::string(tail);
      auto parsed = nlohmann::json::parse(json(s), nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << "byte " << c;
      if (c < 0x80) {
        EXPECT_EQ(parsed.get<std::string>(), s) << "byte " << c;
      }
    }
  }
}

}  // namespace foobar::core
