#pragma once
// Access log in the combined log format (nginx's and Apache's "combined"),
// followed by "REQUEST_ID" "TRACE_ID" (http/request_ids.hpp).
// One AccessLog per process (the fd); one Writer per worker buffers lines and
// writes them in batches with O_APPEND, so workers never share a lock.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "http/message.hpp"

namespace foobar::http {

class AccessLog {
 public:
  // "" or "off" -> nullptr (no logging); "-" -> stdout; else a file, created/appended.
  // Throws std::system_error if the file cannot be opened.
  static std::shared_ptr<AccessLog> open(const std::string& target);
  ~AccessLog();
  int fd() const noexcept { return fd_; }

  class Writer {
   public:
    explicit Writer(std::shared_ptr<AccessLog> log) : log_(std::move(log)) {}
    ~Writer() { flush(); }
    void log(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes);
    void flush();

   private:
    std::shared_ptr<AccessLog> log_;
    std::string buf_;
  };

 private:
  AccessLog(int fd, bool owned) : fd_(fd), owned_(owned) {}
  int fd_;
  bool owned_;
};

}  // namespace foobar::http
