#pragma once
// Incremental decoder for the chunked transfer coding (RFC 9112 7.1), trailers included.
// Feed it whatever bytes arrived; it hands back the data bytes as views into the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace foobar::http {

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
  enum class State : std::uint8_t { Size, SizeLine, Data, DataCrlf, Trailer, Done };
  Limits limits_;
  State state_ = State::Size;
  std::uint64_t remaining_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool size_digits_ = false;
  bool in_extension_ = false;
  bool trailer_line_empty_ = true;
  bool saw_cr_ = false;
};

}  // namespace foobar::http
