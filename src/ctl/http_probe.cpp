#include "ctl/http_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace foobar::ctl {

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool dechunk(const std::string& in, std::string& out) {
  std::size_t pos = 0;
  for (;;) {
    auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    std::size_t size = 0;
    try {
      size = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    } catch (const std::exception&) {
      return false;
    }
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size > in.size()) return false;
    out.append(in, pos, size);
    pos += size + 2;
  }
}
}  // namespace

ProbeResult http_probe(const Endpoint& e, const std::string& path, std::chrono::milliseconds timeout,
                       const std::string& method, const std::string& body) {
  ProbeResult r;
  auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    r.error = std::strerror(errno);
    return r;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(e.port));
  ::inet_pton(AF_INET, e.host == "0.0.0.0" ? "127.0.0.1" : e.host.c_str(), &a.sin_addr);
  std::string req = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: foobar-ctl\r\n", method,
                                path, e.str());
  if (!body.empty() || method == "POST")
    req += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
  req += "\r\n" + body;
  std::string resp;
  bool ok = true;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    r.error = fmt::format("connect {}: {}", e.str(), std::strerror(errno));
    ok = false;
  }
  std::size_t sent = 0;
  while (ok) {
    pollfd p{fd, static_cast<short>(sent < req.size() ? POLLOUT : POLLIN), 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) {
      r.error = "timed out";
      ok = false;
      break;
    }
    if (sent < req.size()) {
      ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) {
        r.error = fmt::format("{}: {}", e.str(), std::strerror(errno));
        ok = false;
      }
      if (n > 0) sent += static_cast<std::size_t>(n);
      continue;
    }
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && errno == EAGAIN) continue;
    if (n < 0) {
      if (resp.empty()) {
        r.error = fmt::format("{}: {}", e.str(), std::strerror(errno));
        ok = false;
      }
      break;
    }
    resp.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!ok) return r;
  auto head_end = resp.find("\r\n\r\n");
  if (resp.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos || resp.size() < 12) {
    r.error = "not an HTTP response";
    return r;
  }
  r.status = std::atoi(resp.c_str() + 9);
  std::string head = resp.substr(0, head_end);
  std::string lower;
  for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string raw = resp.substr(head_end + 4);
  if (lower.find("transfer-encoding: chunked") != std::string::npos) {
    if (!dechunk(raw, r.body)) {
      r.status = 0;
      r.error = "truncated chunked body";
    }
  } else {
    r.body = std::move(raw);
  }
  return r;
}

}  // namespace foobar::ctl
