#pragma once
// Shared by the fuzz targets: exact-size heap copies (so ASan sees any read past
// the end), a data-derived split point, and the chunked-decoder differential.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/chunked.hpp"

namespace foobar::fuzz {

// A heap buffer holding exactly these bytes.
struct Exact {
  explicit Exact(std::string_view s) : data(new char[s.size() ? s.size() : 1]), size(s.size()) {
    if (!s.empty()) std::memcpy(data.get(), s.data(), s.size());
  }
  std::string_view view() const { return {data.get(), size}; }
  std::unique_ptr<char[]> data;
  std::size_t size;
};

// FNV-1a: a split point the fuzzer controls through the data itself.
inline std::uint64_t hash(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

inline bool inside(std::string_view part, std::string_view whole) {
  const auto p = reinterpret_cast<std::uintptr_t>(part.data());
  const auto b = reinterpret_cast<std::uintptr_t>(whole.data());
  return part.empty() || (p >= b && p + part.size() <= b + whole.size());
}

struct ChunkedOutcome {
  http::ChunkedDecoder::Status status = http::ChunkedDecoder::Status::NeedMore;
  std::string data;
  std::size_t consumed = 0;
  bool operator==(const ChunkedOutcome&) const = default;
};

// Decodes in, delivered as [0, cut) then [cut, end) (or one byte at a time when
// bytewise), each piece in its own exact-size buffer.
inline ChunkedOutcome decode(std::string_view in, std::size_t cut, bool bytewise,
                             http::ChunkedDecoder::Limits limits) {
  http::ChunkedDecoder dec(limits);
  ChunkedOutcome out;
  std::size_t pos = 0;
  while (pos < in.size() || pos == 0) {
    std::size_t end = bytewise ? pos + 1 : (pos < cut ? cut : in.size());
    if (end > in.size()) end = in.size();
    const Exact piece(in.substr(pos, end - pos));
    std::string_view rest = piece.view();
    for (;;) {
      const http::ChunkedDecoder::Step s = dec.step(rest);
      check(s.consumed <= rest.size(), "chunked: consumed beyond the input");
      if (s.status == http::ChunkedDecoder::Status::Data) {
        check(inside(s.data, rest) && !s.data.empty(), "chunked: data view outside the input");
        out.data.append(s.data);
      }
      rest.remove_prefix(s.consumed);
      out.consumed += s.consumed;
      if (s.status == http::ChunkedDecoder::Status::Data) continue;
      if (s.status != http::ChunkedDecoder::Status::NeedMore) {
        out.status = s.status;
        return out;
      }
      check(rest.empty(), "chunked: NeedMore left input unconsumed");
      break;
    }
    if (end == pos) break;  // empty input
    pos = end;
  }
  return out;
}

// The decoder must give the same result however its input is split.
inline void check_chunked(std::string_view in) {
  http::ChunkedDecoder::Limits small;
  small.max_chunk_size = 1 << 20;
  small.max_line = 64;
  small.max_trailer_bytes = 256;
  for (const http::ChunkedDecoder::Limits& limits : {http::ChunkedDecoder::Limits{}, small}) {
    const ChunkedOutcome whole = decode(in, in.size(), false, limits);
    const std::size_t cut = in.empty() ? 0 : hash(in, 7) % (in.size() + 1);
    check(decode(in, cut, false, limits) == whole, "chunked: split decode differs");
    check(decode(in, 0, true, limits) == whole, "chunked: bytewise decode differs");
    check(whole.consumed <= in.size(), "chunked: consumed more than given");
  }
}

}  // namespace foobar::fuzz
