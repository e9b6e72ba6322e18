#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace foobar::test {

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpConnection::HttpConnection(int port, std::chrono::milliseconds timeout)
    : HttpConnection("127.0.0.1", port, timeout) {}

HttpConnection::HttpConnection(const std::string& ipv4, int port, std::chrono::milliseconds timeout,
                               const std::string& source)
    : timeout_(timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr) != 1) throw std::invalid_argument("not an IPv4 address: " + ipv4);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // The timeout bounds the connect too (Linux honours SO_SNDTIMEO there): a
  // host that drops SYNs must not hold a test for two minutes of retries.
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("cannot bind to source " + source);
    }
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to " + ipv4 + ":" + std::to_string(port) + ": " + why);
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool HttpConnection::fill() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
  char tmp[16384];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

HttpResponse HttpConnection::read_response(bool head) {
  HttpResponse r;
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) {
      r.closed = true;
      return r;
    }
  std::string head_text = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  std::size_t line_end = head_text.find("\r\n");
  std::string status_line = head_text.substr(0, line_end);
  r.version = status_line.substr(0, 8);
  r.status = std::atoi(status_line.c_str() + 9);
  std::size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
  while (pos < head_text.size()) {
    std::size_t e = head_text.find("\r\n", pos);
    if (e == std::string::npos) e = head_text.size();
    std::string line = head_text.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      r.headers.emplace(line.substr(0, colon), value);
    }
    pos = e + 2;
  }
  if (r.status >= 100 && r.status < 200) return r;
  bool no_body = head || r.status == 204 || r.status == 304;
  if (!no_body && r.header("Transfer-Encoding").find("chunked") != std::string::npos) {
    for (;;) {
      std::size_t le;
      while ((le = buf_.find("\r\n")) == std::string::npos)
        if (!fill()) return r;
      std::size_t size = std::stoul(buf_.substr(0, le), nullptr, 16);
      buf_.erase(0, le + 2);
      if (size == 0) {
        while (buf_.find("\r\n") != 0) {  // skip trailers up to the empty line
          std::size_t t = buf_.find("\r\n");
          if (t == std::string::npos) {
            if (!fill()) return r;
            continue;
          }
          buf_.erase(0, t + 2);
        }
        buf_.erase(0, 2);
        break;
      }
      while (buf_.size() < size + 2)
        if (!fill()) return r;
      r.body += buf_.substr(0, size);
      buf_.erase(0, size + 2);
    }
  } else if (!no_body && !r.header("Content-Length").empty()) {
    std::size_t len = std::stoul(r.header("Content-Length"));
    while (buf_.size() < len)
      if (!fill()) return r;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
  } else if (!no_body) {
    while (fill()) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    r.closed = true;
  }
  std::string conn = r.header("Connection");
  std::transform(conn.begin(), conn.end(), conn.begin(), ::tolower);
  if (conn.find("close") != std::string::npos) r.closed = true;
  return r;
}

std::string HttpConnection::read_all() {
  while (fill()) {
  }
  return std::exchange(buf_, {});
}

bool HttpConnection::wait_closed() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  char tmp[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return true;
  }
  return false;
}

HttpResponse http_get(int port, const std::string& path, const std::vector<std::string>& extra_headers) {
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : extra_headers) req += h + "\r\n";
  req += "\r\n";
  return http_raw(port, req);
}

HttpResponse http_raw(int port, std::string_view raw, bool head) {
  HttpConnection c(port);
  c.send(raw);
  return c.read_response(head);
}

}  // namespace foobar::test
