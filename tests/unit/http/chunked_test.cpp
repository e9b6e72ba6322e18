// ChunkedDecoder: valid bodies (extensions, trailers), every rejection, and the
// same result however the input is split (byte by byte, at every point, randomly).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "codec_test_util.hpp"
#include "http/chunked.hpp"

namespace foobar::http {
namespace {

using Status = ChunkedDecoder::Status;
using test::decode_chunked;
using test::decode_chunked_whole;
using test::Decoded;

const std::vector<std::pair<std::string, std::string>>& valid_bodies() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"0\r\n\r\n", ""},
      {"5\r\nhello\r\n0\r\n\r\n", "hello"},
      {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
      {"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij"},
      {"0005\r\nhello\r\n000\r\n\r\n", "hello"},
      {"5;name=value\r\nhello\r\n6 ; ext ;b=\"q s\"\r\n world\r\n0;last\r\n\r\n", "hello world"},
      {"5\t;x\r\nhello\r\n0\r\n\r\n", "hello"},
      {"3\r\n\r\n\n\r\n0\r\n\r\n", "\r\n\n"},
      {"5\r\nhello\r\n0\r\nX-Checksum: 1234\r\nX-Other:\tv a l\r\n\r\n", "hello"},
      {std::string("1\r\n\0\r\n0\r\nEmpty:\r\n\r\n", 19), std::string(1, '\0')},
      {"FF\r\n" + std::string(255, 'z') + "\r\n0\r\n\r\n", std::string(255, 'z')},
  };
  return v;
}

TEST(ChunkedDecoder, ValidBodies) {
  for (const auto& [raw, body] : valid_bodies()) {
    const Decoded d = decode_chunked_whole(raw);
    EXPECT_EQ(d.status, Status::Done) << raw;
    EXPECT_EQ(d.data, body) << raw;
    EXPECT_EQ(d.consumed, raw.size()) << raw;
  }
}

TEST(ChunkedDecoder, DataIsAViewIntoTheInput) {
  const std::string raw = "5\r\nhello\r\n0\r\n\r\n";
  ChunkedDecoder dec;
  const ChunkedDecoder::Step s = dec.step(raw);
  ASSERT_EQ(s.status, Status::Data);
  EXPECT_EQ(s.data, "hello");
  EXPECT_EQ(s.data.data(), raw.data() + 3);
  EXPECT_EQ(s.consumed, 8u);
  const ChunkedDecoder::Step e = dec.step(std::string_view(raw).substr(8));
  EXPECT_EQ(e.status, Status::Done);
  EXPECT_EQ(e.consumed, raw.size() - 8);
}

TEST(ChunkedDecoder, StopsAtTheEndOfTheBody) {
  const std::string raw = "3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\n";
  const Decoded d = decode_chunked_whole(raw);
  EXPECT_EQ(d.status, Status::Done);
  EXPECT_EQ(raw.substr(d.consumed), "GET /next HTTP/1.1\r\n");
  ChunkedDecoder dec;
  std::string_view in = raw;
  for (ChunkedDecoder::Step s = dec.step(in); s.status != Status::Done; s = dec.step(in)) in.remove_prefix(s.consumed);
  EXPECT_EQ(dec.step("more").status, Status::Done);
  EXPECT_EQ(dec.step("more").consumed, 0u);
}

TEST(ChunkedDecoder, NeedMoreConsumesEverythingGiven) {
  ChunkedDecoder dec;
  ChunkedDecoder::Step s = dec.step("1");
  EXPECT_EQ(s.status, Status::NeedMore);
  EXPECT_EQ(s.consumed, 1u);
  s = dec.step("0\r");
  EXPECT_EQ(s.status, Status::NeedMore);
  s = dec.step("\nabc");
  EXPECT_EQ(s.status, Status::Data);
  EXPECT_EQ(s.data, "abc");
  EXPECT_EQ(s.consumed, 4u);
}

TEST(ChunkedDecoder, ResetStartsANewBody) {
  ChunkedDecoder dec;
  EXPECT_EQ(dec.step("zz").status, Status::Error);
  dec.reset();
  EXPECT_EQ(decode_chunked_whole("2\r\nok\r\n0\r\n\r\n").data, "ok");
  EXPECT_EQ(dec.step("0\r\n\r\n").status, Status::Done);
}

TEST(ChunkedDecoder, SameResultAtEverySplit) {
  for (const auto& [raw, body] : valid_bodies()) {
    const Decoded whole = decode_chunked_whole(raw);
    EXPECT_EQ(decode_chunked(raw, [](std::size_t) { return std::size_t{1}; }), whole) << "byte by byte: " << raw;
    for (std::size_t k = 0; k <= raw.size(); ++k) {
      bool first = true;
      const Decoded d = decode_chunked(raw, [&](std::size_t rest) {
        const std::size_t n = first ? k : rest;
        first = false;
        return n;
      });
      ASSERT_EQ(d, whole) << "split at " << k << ": " << raw;
    }
  }
}

TEST(ChunkedDecoder, SameResultAtRandomSplits) {
  std::mt19937 rng(12345);
  std::string raw, body;
  for (int i = 0; i < 200; ++i) {
    const std::size_t len = rng() % 300 + 1;
    std::string chunk(len, '\0');
    for (char& c : chunk) c = static_cast<char>(rng());
    char size[32];
    std::snprintf(size, sizeof size, (i % 2) ? "%zx" : "%zX", len);
    raw += size;
    raw += (i % 3 == 0) ? ";ext=1\r\n" : "\r\n";
    raw += chunk + "\r\n";
    body += chunk;
  }
  raw += "0\r\nTrailer-A: 1\r\n\r\n";
  const Decoded whole = decode_chunked_whole(raw);
  ASSERT_EQ(whole.status, Status::Done);
  ASSERT_EQ(whole.data, body);
  for (int round = 0; round < 200; ++round) {
    const Decoded d = decode_chunked(raw, [&](std::size_t rest) { return std::min<std::size_t>(rest, rng() % 64 + 1); });
    ASSERT_EQ(d, whole) << "round " << round;
  }
}

Status decode_status(const std::string& raw, ChunkedDecoder::Limits limits = {}) {
  const Decoded whole = decode_chunked_whole(raw, limits);
  const Decoded bytewise = decode_chunked(raw, [](std::size_t) { return std::size_t{1}; }, limits);
  EXPECT_EQ(whole.status, bytewise.status) << testing::PrintToString(raw);
  return whole.status;
}

TEST(ChunkedDecoder, RejectsInvalidSizes) {
  for (const char* raw : {"\r\n", "-5\r\nhello\r\n0\r\n\r\n", "+5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n",
                          " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "g\r\n", "5g\r\n", ";ext\r\n",
                          "5 5\r\n", "\t5\r\n", "5\r\r\n"}) {
    EXPECT_EQ(decode_status(raw), Status::Error) << testing::PrintToString(raw);
  }
}

TEST(ChunkedDecoder, RejectsOverflow) {
  EXPECT_EQ(decode_status("10000000000000000\r\n"), Status::Error);                      // 2^64
  EXPECT_EQ(decode_status("FFFFFFFFFFFFFFFFF\r\n"), Status::Error);
  EXPECT_EQ(decode_status("10000000001\r\n"), Status::Error);                            // > 2^40 default
  EXPECT_EQ(decode_status("10000000000\r\n"), Status::NeedMore);                         // exactly 2^40
  EXPECT_EQ(decode_status("00000000000000000000000001\r\nx\r\n0\r\n\r\n"), Status::Done);  // leading zeros
  ChunkedDecoder::Limits small;
  small.max_chunk_size = 16;
  EXPECT_EQ(decode_status("11\r\n", small), Status::Error);
  EXPECT_EQ(decode_status("10\r\n", small), Status::NeedMore);
}

TEST(ChunkedDecoder, RequiresCrlfAfterData) {
  EXPECT_EQ(decode_status("5\r\nhelloX\r\n0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5\r\nhello\n0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5\r\nhello\r0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5\r\nhello0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5\r\nhello world\r\n"), Status::Error);
}

TEST(ChunkedDecoder, RejectsBareLineEndings) {
  EXPECT_EQ(decode_status("5\nhello\r\n0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5;a\nb\r\nhello\r\n0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5;a\rb\r\nhello\r\n0\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("0\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("0\r\n\n"), Status::Error);
  EXPECT_EQ(decode_status("0\r\nX: y\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("0\r\nX: y\r\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status("5;a\x01\r\nhello\r\n0\r\n\r\n"), Status::Error);
}

TEST(ChunkedDecoder, ExtensionsAreBounded) {
  ChunkedDecoder::Limits limits;
  limits.max_line = 32;
  EXPECT_EQ(decode_status("5;" + std::string(28, 'e') + "\r\nhello\r\n0\r\n\r\n", limits), Status::Done);
  EXPECT_EQ(decode_status("5;" + std::string(29, 'e') + "\r\nhello\r\n0\r\n\r\n", limits), Status::Error);
  EXPECT_EQ(decode_status("5;" + std::string(100000, 'e'), {}), Status::Error);
}

TEST(ChunkedDecoder, TrailersAreValidatedAndBounded) {
  EXPECT_EQ(decode_status("0\r\n X: y\r\n\r\n"), Status::Error);   // obs-fold
  EXPECT_EQ(decode_status("0\r\nX : y\r\n\r\n"), Status::Error);   // space before colon
  EXPECT_EQ(decode_status("0\r\n: y\r\n\r\n"), Status::Error);     // empty name
  EXPECT_EQ(decode_status("0\r\nNoColon\r\n\r\n"), Status::Error);
  EXPECT_EQ(decode_status(std::string("0\r\nX: a\0\r\n\r\n", 12)), Status::Error);
  ChunkedDecoder::Limits limits;
  limits.max_line = 16;
  limits.max_trailer_bytes = 40;
  EXPECT_EQ(decode_status("0\r\nX: " + std::string(11, 'v') + "\r\n\r\n", limits), Status::Done);
  EXPECT_EQ(decode_status("0\r\nX: " + std::string(12, 'v') + "\r\n\r\n", limits), Status::Error);
  EXPECT_EQ(decode_status("0\r\nA: 1234567\r\nB: 1234567\r\nC: 1234567\r\n\r\n", limits), Status::Done);
  EXPECT_EQ(decode_status("0\r\nA: 1234567\r\nB: 1234567\r\nC: 1234567\r\nD: 1234567\r\n\r\n", limits), Status::Error);
}

TEST(ChunkedDecoder, ErrorIsSticky) {
  ChunkedDecoder dec;
  EXPECT_EQ(dec.step("x").status, Status::Error);
  EXPECT_EQ(dec.step("0\r\n\r\n").status, Status::Error);
}

}  // namespace
}  // namespace foobar::http

namespace foobar::http {
TEST(ChunkSizeLine, HexSizeThenCrlfAndTheDecoderReadsItBack) {
  char buf[kMaxChunkSizeLine];
  EXPECT_EQ(chunk_size_line(buf, 0), "0\r\n");
  EXPECT_EQ(chunk_size_line(buf, 4096), "1000\r\n");
  EXPECT_EQ(chunk_size_line(buf, UINT64_MAX), "ffffffffffffffff\r\n");
  std::string body = std::string(chunk_size_line(buf, 5)) + "hello\r\n0\r\n\r\n";
  ChunkedDecoder d;
  auto step = d.step(body);
  ASSERT_EQ(step.status, ChunkedDecoder::Status::Data);
  EXPECT_EQ(step.data, "hello");
}
}  // namespace foobar::http
