// Chunked transfer coding (RFC 9112 7.1):
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size   = 1*HEXDIG        (no sign, no "0x", no whitespace but BWS before ";")
// A byte-at-a-time state machine for the framing lines (short) and whole views
// for the data, so splitting the input anywhere gives the same result.
#include "http/chunked.hpp"

#include <charconv>

#include <algorithm>

#include "http/field_parser.hpp"

namespace foobar::http {

std::string_view chunk_size_line(char (&buf)[kMaxChunkSizeLine], std::uint64_t size) noexcept {
  auto r = std::to_chars(buf, buf + 16, size, 16);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

using detail::is;

ChunkedDecoder::Step ChunkedDecoder::fail(std::size_t consumed) noexcept {
  state_ = State::Error;
  return Step{Status::Error, consumed, {}};
}

ChunkedDecoder::Step ChunkedDecoder::step(std::string_view in) noexcept {
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (state_ == State::Data) {
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - i));
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::DataCr;
      return Step{Status::Data, i + take, in.substr(i, take)};
    }
    const char c = in[i];
    switch (state_) {
      case State::Size:
      case State::SizeBws:
      case State::Ext:
      case State::SizeLf:
        if (++line_bytes_ > limits_.max_line) return fail(i);
        break;
      case State::TrailerStart:
      case State::TrailerName:
      case State::TrailerValue:
      case State::TrailerLf:
      case State::EndLf:
        if (++line_bytes_ > limits_.max_line || ++trailer_bytes_ > limits_.max_trailer_bytes) return fail(i);
        break;
      default:
        break;
    }
    switch (state_) {
      case State::Size:
        if (is(c, detail::kHex)) {
          const unsigned d = c <= '9' ? static_cast<unsigned>(c - '0')
                                      : static_cast<unsigned>(detail::to_lower(c) - 'a' + 10);
          // Bounded by max_chunk_size, which also rules out 64-bit overflow.
          if (remaining_ > (limits_.max_chunk_size - d) / 16) return fail(i);
          remaining_ = remaining_ * 16 + d;
          size_digits_ = true;
        } else if (!size_digits_) {
          return fail(i);
        } else if (c == ';') {
          state_ = State::Ext;
        } else if (detail::is_ows(c)) {
          state_ = State::SizeBws;
        } else if (c == '\r') {
          state_ = State::SizeLf;
        } else {
          return fail(i);
        }
        break;
      case State::SizeBws:
        if (c == ';') {
          state_ = State::Ext;
        } else if (!detail::is_ows(c)) {
          return fail(i);
        }
        break;
      case State::Ext:
        // Extensions are ignored, but a CTL (a bare CR or LF above all) is never skipped over.
        if (c == '\r') {
          state_ = State::SizeLf;
        } else if (!is(c, detail::kField)) {
          return fail(i);
        }
        break;
      case State::SizeLf:
        if (c != '\n') return fail(i);
        line_bytes_ = 0;
        size_digits_ = false;
        state_ = remaining_ == 0 ? State::TrailerStart : State::Data;
        break;
      case State::DataCr:
        if (c != '\r') return fail(i);
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (c != '\n') return fail(i);
        state_ = State::Size;
        break;
      case State::TrailerStart:
        if (c == '\r') {
          state_ = State::EndLf;
        } else if (is(c, detail::kToken)) {
          state_ = State::TrailerName;
        } else {
          return fail(i);  // obs-fold, empty name, garbage
        }
        break;
      case State::TrailerName:
        if (c == ':') {
          state_ = State::TrailerValue;
        } else if (!is(c, detail::kToken)) {
          return fail(i);
        }
        break;
      case State::TrailerValue:
        if (c == '\r') {
          state_ = State::TrailerLf;
        } else if (!is(c, detail::kField)) {
          return fail(i);
        }
        break;
      case State::TrailerLf:
        if (c != '\n') return fail(i);
        line_bytes_ = 0;
        state_ = State::TrailerStart;
        break;
      case State::EndLf:
        if (c != '\n') return fail(i);
        state_ = State::Done;
        return Step{Status::Done, i + 1, {}};
      case State::Done:
        return Step{Status::Done, i, {}};
      case State::Error:
        return Step{Status::Error, i, {}};
      case State::Data:
        break;  // handled above
    }
    ++i;
  }
  if (state_ == State::Done) return Step{Status::Done, 0, {}};
  if (state_ == State::Error) return Step{Status::Error, 0, {}};
  return Step{Status::NeedMore, n, {}};
}

void ChunkedDecoder::reset() noexcept {
  state_ = State::Size;
  remaining_ = 0;
  line_bytes_ = 0;
  trailer_bytes_ = 0;
  size_digits_ = false;
}

}  // namespace foobar::http
