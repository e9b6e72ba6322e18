#pragma once
// Incremental decoder for the chunked transfer coding (RFC 9112 7.1), trailers included.
// Feed it whatever bytes arrived; it hands back the data bytes as views into the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace foobar::http {

// The chunk-size line "<hex size>\r\n" written into buf; returns it. The one
// encoder of chunk framing: the server's streamed responses and the proxy's
// streamed request bodies.
inline constexpr std::size_t kMaxChunkSizeLine = 18;  // 16 hex digits + CRLF
std::string_view chunk_size_line(char (&buf)[kMaxChunkSizeLine], std::uint64_t size) noexcept;

class ChunkedDecoder {
 public:
  struct Limits {
    std::uint64_t max_chunk_size = std::uint64_t{1} << 40;
    std::size_t max_line = 4096;      // chunk-size line incl. extensions, and each trailer line
    std::size_t max_trailer_bytes = 16 * 1024;
  };
  enum class Status { NeedMore, Data, Done, Error };
  struct Step {
    Status status;
    std::size_t consumed;   // bytes of input used by this step (always advance by it)
    std::string_view data;  // Status::Data: body bytes (a view into the input)
  };

  explicit ChunkedDecoder(Limits limits) noexcept : limits_(limits) {}
  ChunkedDecoder() noexcept : ChunkedDecoder(Limits{}) {}
  // Decodes from in. Call repeatedly, advancing the input by step.consumed,
  // until NeedMore (feed more bytes later), Done (body complete, trailers
  // consumed) or Error (400: bad hex, overflow, bad CRLF, over-long line).
  Step step(std::string_view in) noexcept;
  void reset() noexcept;

 private:
  enum class State : std::uint8_t {
    Size,          // hex digits of chunk-size
    SizeBws,       // whitespace after the size: only ";" may follow
    Ext,           // chunk extensions, skipped (bounded by max_line)
    SizeLf,        // CR seen, LF must follow
    Data,          // remaining_ bytes of chunk data
    DataCr,        // the CRLF after chunk data
    DataLf,
    TrailerStart,  // start of a trailer line, or the final CRLF
    TrailerName,
    TrailerValue,
    TrailerLf,
    EndLf,         // LF of the final CRLF
    Done,
    Error,
  };
  Step fail(std::size_t consumed) noexcept;
  Limits limits_;
  State state_ = State::Size;
  std::uint64_t remaining_ = 0;   // chunk-size being read, then data bytes left
  std::size_t line_bytes_ = 0;    // bytes of the current size or trailer line
  std::size_t trailer_bytes_ = 0;
  bool size_digits_ = false;      // at least one hex digit read
};

}  // namespace foobar::http
