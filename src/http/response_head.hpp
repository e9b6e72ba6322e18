#pragma once
// Serializes a response head (status line + headers + CRLF) into a reusable
// buffer, so a response goes out as one writev of {head, body}.
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace foobar::http {

std::string_view reason_phrase(int status) noexcept;

class ResponseHead {
 public:
  // Starts a new head "HTTP/1.1 <status> <reason>\r\n"; keeps the buffer's capacity.
  void start(int status, std::string_view reason = {});
  // CR, LF and NUL in name or value are written as SP (no response splitting).
  void add(std::string_view name, std::string_view value);
  // For text that cannot hold CR, LF or NUL: constants, and fields our parser
  // already validated. Skips the scan on the hot path.
  void add_trusted(std::string_view name, std::string_view value);
  void add(std::string_view name, std::uint64_t value);
  // Appends the final CRLF; after this, data() is the wire form.
  void finish();

  int status() const noexcept { return status_; }
  // Whether a Content-Length field was added (else the body, if any, is streamed).
  bool has_length() const noexcept { return has_length_; }
  std::string_view data() const noexcept { return buf_; }

 private:
  void note(std::string_view name) noexcept {
    if (name.size() == 14 && iequals(name, "Content-Length")) has_length_ = true;
  }
  std::string buf_;
  int status_ = 0;
  bool has_length_ = false;
};

}  // namespace foobar::http
