#pragma once
// Access log in the combined log format (nginx's and Apache's "combined"),
// followed by "REQUEST_ID" "TRACE_ID" (http/request_ids.hpp); or one JSON
// object per line with the same fields and the request's duration:
//   {"time":"2026-12-02T18:50:01Z","remote_addr":"10.0.0.5","method":"GET",
//    "target":"/a?b","protocol":"HTTP/1.1","status":200,"bytes":512,
//    "duration_seconds":0.000412,"referer":"","user_agent":"curl/7.88.1",
//    "request_id":"...","trace_id":"..."}
// One AccessLog per process (the fd); one Writer per worker buffers lines and
// writes them in batches with O_APPEND, so workers never share a lock.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "http/message.hpp"

namespace foobar::http {

enum class AccessLogFormat : std::uint8_t { Combined, Json };

class AccessLog {
 public:
  // "" or "off" -> nullptr (no logging); "-" -> stdout; else a file, created/appended.
  // Throws std::system_error if the file cannot be opened.
  static std::shared_ptr<AccessLog> open(const std::string& target, AccessLogFormat format = AccessLogFormat::Combined);
  ~AccessLog();
  int fd() const noexcept { return fd_; }

  class Writer {
   public:
    explicit Writer(std::shared_ptr<AccessLog> log) : log_(std::move(log)) {}
    ~Writer() { flush(); }
    // seconds: from the request's head to the end of its response.
    void log(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes, double seconds);
    void flush();

   private:
    void combined(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes);
    void json(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes, double seconds);
    std::shared_ptr<AccessLog> log_;
    std::string buf_;
  };

 private:
  AccessLog(int fd, bool owned, AccessLogFormat format) : fd_(fd), owned_(owned), format_(format) {}
  int fd_;
  bool owned_;
  AccessLogFormat format_;
};

}  // namespace foobar::http
