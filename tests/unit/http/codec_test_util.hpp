#pragma once
// Helpers for the codec tests: split-feeding drivers over the snapshots of
// support/codec_snapshot.hpp.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked.hpp"
#include "http/message.hpp"
#include "http/parser.hpp"
#include "support/codec_snapshot.hpp"

namespace foobar::http::test {


inline RequestSnap parse_request(std::string_view raw, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  const ParseResult r = p.parse(raw, req);
  return snap(r, req);
}

// Feeds growing prefixes of raw to one parser, each in a freshly allocated copy
// (the buffer moves between calls, as a connection's read buffer may), and
// returns the first non-Incomplete result, or Incomplete.
inline RequestSnap parse_request_bytewise(std::string_view raw, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  for (std::size_t k = 1; k <= raw.size(); ++k) {
    const std::string copy(raw.substr(0, k));
    const ParseResult r = p.parse(copy, req);
    if (r.status != ParseStatus::Incomplete) return snap(r, req);
  }
  return RequestSnap{};
}

// Two calls: the first k bytes, then everything.
inline RequestSnap parse_request_split(std::string_view raw, std::size_t k, ParserLimits limits = {}) {
  RequestParser p(limits);
  Request req;
  const std::string first(raw.substr(0, k));
  const ParseResult r1 = p.parse(first, req);
  if (r1.status != ParseStatus::Incomplete) return snap(r1, req);
  const std::string all(raw);
  return snap(p.parse(all, req), req);
}

inline ResponseSnap parse_response(std::string_view raw, Method m = Method::Get) {
  ResponseParser p;
  Response res;
  const ParseResult r = p.parse(raw, m, res);
  return snap(r, res);
}

inline ResponseSnap parse_response_bytewise(std::string_view raw, Method m = Method::Get) {
  ResponseParser p;
  Response res;
  for (std::size_t k = 1; k <= raw.size(); ++k) {
    const std::string copy(raw.substr(0, k));
    const ParseResult r = p.parse(copy, m, res);
    if (r.status != ParseStatus::Incomplete) return snap(r, res);
  }
  return ResponseSnap{};
}

struct Decoded {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::NeedMore;
  std::string data;
  std::size_t consumed = 0;  // total input bytes consumed (up to Done / Error)
  bool operator==(const Decoded&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  return os << "{status=" << static_cast<int>(d.status) << " data=" << d.data << " consumed=" << d.consumed << "}";
}

// Decodes raw delivered in pieces whose sizes come from next_piece(remaining).
template <class NextPiece>
Decoded decode_chunked(std::string_view raw, NextPiece next_piece, ChunkedDecoder::Limits limits = {}) {
  ChunkedDecoder dec(limits);
  Decoded out;
  std::size_t delivered = 0;
  std::string pending;  // delivered but not consumed yet
  while (true) {
    std::string_view in = pending;
    ChunkedDecoder::Step s = dec.step(in);
    while (s.status == ChunkedDecoder::Status::Data) {
      out.data.append(s.data);
      out.consumed += s.consumed;
      in.remove_prefix(s.consumed);
      s = dec.step(in);
    }
    out.consumed += s.consumed;
    in.remove_prefix(s.consumed);
    if (s.status != ChunkedDecoder::Status::NeedMore) {
      out.status = s.status;
      return out;
    }
    pending = std::string(in);
    if (delivered == raw.size()) return out;  // NeedMore at the end of the input
    const std::size_t n = next_piece(raw.size() - delivered);
    pending.append(raw.substr(delivered, n));
    delivered += n;
  }
}

inline Decoded decode_chunked_whole(std::string_view raw, ChunkedDecoder::Limits limits = {}) {
  return decode_chunked(raw, [](std::size_t rest) { return rest; }, limits);
}

}  // namespace foobar::http::test
