#include "http/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fmt/format.h>
#include <system_error>

#include "core/json_text.hpp"
#include "net/address.hpp"

namespace foobar::http {
namespace {

constexpr std::size_t kFlushBytes = 32 * 1024;

// The time now in a strftime format (UTC), cached per thread per second; one
// cache per format.
template <const char* Format>
std::string_view log_time_now() {
  thread_local std::time_t cached = 0;
  thread_local char buf[32];
  thread_local std::size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    cached = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, Format, &tm);
  }
  return {buf, len};
}
constexpr char kCombinedTime[] = "%d/%b/%Y:%H:%M:%S +0000";  // 26/Nov/2026:23:22:25 +0000
constexpr char kIsoTime[] = "%Y-%m-%dT%H:%M:%SZ";            // 2026-11-26T23:22:25Z

// Quotes are escaped and non-printable bytes written as \xHH, as nginx does,
// so a hostile request cannot forge log lines.
void append_escaped(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", c);
    else
      out += static_cast<char>(c);
  }
}

}  // namespace

std::shared_ptr<AccessLog> AccessLog::open(const std::string& target, AccessLogFormat format) {
  if (target.empty() || target == "off") return nullptr;
  if (target == "-") return std::shared_ptr<AccessLog>(new AccessLog(STDOUT_FILENO, false, format));
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open access log " + target);
  return std::shared_ptr<AccessLog>(new AccessLog(fd, true, format));
}

AccessLog::~AccessLog() {
  if (owned_) ::close(fd_);
}

void AccessLog::Writer::log(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes,
                            double seconds) {
  if (log_->format_ == AccessLogFormat::Json)
    json(peer, req, status, bytes, seconds);
  else
    combined(peer, req, status, bytes);
  if (buf_.size() >= kFlushBytes) flush();
}

void AccessLog::Writer::json(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes,
                             double seconds) {
  char addr[net::kMaxAddressText];
  auto field = [this](std::string_view key, std::string_view value) {
    buf_ += ",\"";
    buf_ += key;
    buf_ += "\":";
    core::append_json_string(buf_, value);
  };
  buf_ += "{\"time\":\"";
  buf_ += log_time_now<kIsoTime>();
  buf_ += '"';
  field("remote_addr", net::format_ip(peer, addr));
  field("method", req.method_text);
  field("target", req.target);
  field("protocol", req.version == Version::Http10 ? "HTTP/1.0" : "HTTP/1.1");
  fmt::format_to(std::back_inserter(buf_), ",\"status\":{},\"bytes\":{},\"duration_seconds\":{:.6f}", status, bytes,
                 seconds);
  field("referer", req.headers.get("referer"));
  field("user_agent", req.headers.get("user-agent"));
  field("request_id", req.ids.request_id());
  field("trace_id", req.ids.trace_id());
  buf_ += "}\n";
}

void AccessLog::Writer::combined(const tcp::endpoint& peer, const Request& req, int status, std::uint64_t bytes) {
  auto out = std::back_inserter(buf_);
  char addr[net::kMaxAddressText];
  fmt::format_to(out, "{} - - [{}] \"", net::format_ip(peer, addr), log_time_now<kCombinedTime>());
  append_escaped(buf_, req.method_text);
  buf_ += ' ';
  append_escaped(buf_, req.target);
  buf_ += req.version == Version::Http10 ? " HTTP/1.0\" " : " HTTP/1.1\" ";
  fmt::format_to(out, "{} {} \"", status, bytes);
  append_escaped(buf_, req.headers.get("referer"));
  buf_ += "\" \"";
  append_escaped(buf_, req.headers.get("user-agent"));
  // combined, then the request id and trace id (tiers' lines join on them)
  buf_ += "\" \"";
  append_escaped(buf_, req.ids.request_id());
  buf_ += "\" \"";
  append_escaped(buf_, req.ids.trace_id());
  buf_ += "\"\n";
}

void AccessLog::Writer::flush() {
  std::size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = ::write(log_->fd(), buf_.data() + off, buf_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a full disk drops log lines, never requests
    off += static_cast<std::size_t>(n);
  }
  buf_.clear();
}

}  // namespace foobar::http
