#pragma once
// Shared by the lb_*.cpp integration tests: a fake backend (this same test
// binary re-executed with FOOBAR_FAKE_BACKEND=NAME, so it is a real process a
// test can SIGKILL), an lb process, and small raw HTTP helpers.
//
// Fake backend routes (every request is logged as "REQ METHOD TARGET"):
//   /slow?ms=N         answer after N ms          /hang        never answer
//   /echo              body = the request head as received
//   /upload            body = "received N" (N = de-chunked body bytes)
//   /download?bytes=N  N bytes of 'x' (Content-Length; &chunked=1: chunked)
//   /status?code=N     that status               /garbage     an invalid response
//   /close             close without answering   anything else: body "NAME\n"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace lbtest {

using namespace std::chrono_literals;
using foobar::test::Process;
using foobar::test::TempDir;

// ------------------------------------------------------------ fake backend

inline std::string query_param(const std::string& target, const std::string& key) {
  auto q = target.find('?');
  if (q == std::string::npos) return "";
  std::string rest = target.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    auto item = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (item.rfind(key + "=", 0) == 0) return item.substr(key.size() + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

inline bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
inline bool send_all(int fd, const std::string& s) { return send_all(fd, s.data(), s.size()); }

// Reads into buf until it holds at least n bytes; false on EOF/error.
inline bool fill_to(int fd, std::string& buf, std::size_t n) {
  char tmp[65536];
  while (buf.size() < n) {
    ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(r));
  }
  return true;
}
inline bool fill_until(int fd, std::string& buf, const std::string& marker, std::size_t from = 0) {
  char tmp[65536];
  while (buf.find(marker, from) == std::string::npos) {
    ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(r));
  }
  return true;
}

inline void serve_connection(int fd, std::string name) {
  std::string buf;
  for (;;) {
    if (!fill_until(fd, buf, "\r\n\r\n")) break;
    const auto head_end = buf.find("\r\n\r\n") + 4;
    const std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end);
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    const std::string method = head.substr(0, sp1);
    const std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string lower = head;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::printf("REQ %s %s\n", method.c_str(), target.c_str());
    std::fflush(stdout);
    // Body.
    std::uint64_t body_bytes = 0;
    bool ok = true;
    if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) {
      std::uint64_t n = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
      while (n > 0 && ok) {
        if (buf.empty()) ok = fill_to(fd, buf, 1);
        if (!ok) break;
        auto take = std::min<std::uint64_t>(n, buf.size());
        buf.erase(0, take);
        n -= take;
        body_bytes += take;
      }
    } else if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        if (!(ok = fill_until(fd, buf, "\r\n"))) break;
        auto le = buf.find("\r\n");
        std::uint64_t size = std::strtoull(buf.c_str(), nullptr, 16);
        buf.erase(0, le + 2);
        if (size == 0) {
          if (!(ok = fill_until(fd, buf, "\r\n"))) break;  // no trailers in our tests
          buf.erase(0, buf.find("\r\n") + 2);
          break;
        }
        while (size > 0 && ok) {
          if (buf.empty()) ok = fill_to(fd, buf, 1);
          if (!ok) break;
          auto take = std::min<std::uint64_t>(size, buf.size());
          buf.erase(0, take);
          size -= take;
          body_bytes += take;
        }
        if (!ok || !(ok = fill_to(fd, buf, 2))) break;
        buf.erase(0, 2);
      }
    }
    if (!ok) break;
    const bool close = lower.find("\r\nconnection: close") != std::string::npos;
    const std::string path = target.substr(0, target.find('?'));
    auto respond = [&](int status, const std::string& body, const std::string& extra = "") {
      std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\nX-Backend: " + name +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
                      (close ? "Connection: close\r\n" : "") + "\r\n" + body;
      return send_all(fd, r);
    };
    if (path == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(query_param(target, "ms").c_str())));
      ok = respond(200, name + "\n");
    } else if (path == "/hang") {
      std::this_thread::sleep_for(30s);
      break;
    } else if (path == "/echo") {
      ok = respond(200, head);
    } else if (path == "/upload") {
      ok = respond(200, "received " + std::to_string(body_bytes));
    } else if (path == "/download") {
      std::uint64_t n = std::strtoull(query_param(target, "bytes").c_str(), nullptr, 10);
      const bool chunked = query_param(target, "chunked") == "1";
      std::string h = "HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\n" +
                      (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(n) + "\r\n") +
                      "\r\n";
      ok = send_all(fd, h);
      std::string block(256 * 1024, 'x');
      while (ok && n > 0) {
        auto k = std::min<std::uint64_t>(n, block.size());
        if (chunked) {
          char sz[32];
          std::snprintf(sz, sizeof sz, "%llx\r\n", static_cast<unsigned long long>(k));
          ok = send_all(fd, sz, std::strlen(sz)) && send_all(fd, block.data(), k) && send_all(fd, "\r\n", 2);
        } else {
          ok = send_all(fd, block.data(), k);
        }
        n -= k;
      }
      if (ok && chunked) ok = send_all(fd, "0\r\n\r\n", 5);
    } else if (path == "/status") {
      ok = respond(std::atoi(query_param(target, "code").c_str()), name + "\n");
    } else if (path == "/garbage") {
      send_all(fd, "HELLO WORLD\r\n\r\n");
      break;
    } else if (path == "/close") {
      break;
    } else {
      ok = respond(200, name + "\n");
    }
    if (!ok || close) break;
  }
  ::close(fd);
}

// Runs the fake backend and never returns. Port 0 picks a free one.
[[noreturn]] inline void run_fake_backend(const std::string& name, int port) {
  int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0; ++i) {
    if (i > 100) {
      std::perror("bind");
      std::_Exit(1);
    }
    std::this_thread::sleep_for(50ms);
  }
  ::listen(ls, 512);
  socklen_t len = sizeof a;
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("backend %s listening on 127.0.0.1:%d\n", name.c_str(), ntohs(a.sin_port));
  std::fflush(stdout);
  for (;;) {
    int fd = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread(serve_connection, fd, name).detach();
  }
}

// Before main(): the re-executed test binary becomes a backend.
inline const bool fake_backend_hook = [] {
  if (const char* n = std::getenv("FOOBAR_FAKE_BACKEND")) {
    const char* p = std::getenv("FOOBAR_FAKE_BACKEND_PORT");
    run_fake_backend(n, p ? std::atoi(p) : 0);
  }
  return true;
}();

inline std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

struct Backend {
  std::string name;
  int port = 0;
  std::unique_ptr<Process> proc;

  explicit Backend(std::string n, int p = 0) : name(std::move(n)) { start(p); }
  void start(int p = 0) {
    std::vector<std::string> env{"FOOBAR_FAKE_BACKEND=" + name};
    if (p) env.push_back("FOOBAR_FAKE_BACKEND_PORT=" + std::to_string(p));
    proc = std::make_unique<Process>(std::vector<std::string>{self_exe()}, env);
    port = proc->wait_port("backend " + name);
  }
  void kill() {
    proc->signal(SIGKILL);
    proc->wait_exit(5s);
  }
  void restart() { start(port); }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
  // Requests this backend logged whose target contains needle.
  int count(const std::string& needle) const {
    auto out = proc->output();
    int n = 0;
    for (std::size_t p = 0; (p = out.find("REQ ", p)) != std::string::npos; ++p) {
      auto e = out.find('\n', p);
      if (out.substr(p, e - p).find(needle) != std::string::npos) ++n;
    }
    return n;
  }
};

// ------------------------------------------------------------ lb process

// A bearer-token file for an admin listener, removed with the object.
struct TokenFile {
  std::string path, token;
  explicit TokenFile(std::string value = "test-admin-token-0123456789") : token(std::move(value)) {
    char name[] = "/tmp/foobar-token-XXXXXX";
    int fd = ::mkstemp(name);
    path = name;
    if (fd < 0 || ::write(fd, token.data(), token.size()) != static_cast<ssize_t>(token.size())) std::abort();
    ::close(fd);
  }
  ~TokenFile() { ::unlink(path.c_str()); }
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
};

struct Lb {
  TokenFile token;
  std::unique_ptr<Process> proc;
  int port = 0;
  int admin = 0;

  explicit Lb(std::vector<std::string> args) {
    std::vector<std::string> argv{foobar::test::foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--admin",
                                  "127.0.0.1:0", "--admin-token-file", token.path};
    if (std::find(args.begin(), args.end(), "--threads") == args.end()) argv.insert(argv.end(), {"--threads", "1"});
    argv.insert(argv.end(), args.begin(), args.end());
    proc = std::make_unique<Process>(argv);
    port = proc->wait_port("lb");
    admin = proc->wait_port("admin");
  }
  static std::vector<std::string> backends(const std::vector<Backend*>& bs, const std::string& flag = "--backend") {
    std::vector<std::string> out;
    for (auto* b : bs) {
      out.push_back(flag);
      out.push_back(b->addr());
    }
    return out;
  }
  std::string stats() const { return foobar::test::http_get(admin, "/stats.json").body; }
  // POST path on the admin listener with the admin token.
  int post(const std::string& path) const {
    return foobar::test::http_raw(admin, "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                             token.token + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .status;
  }
  nlohmann::json backend_stats(const Backend& b) const {
    auto j = nlohmann::json::parse(stats(), nullptr, false);
    if (j.is_discarded()) return {};
    for (auto& x : j["backends"])
      if (x["backend"] == b.addr()) return x;
    return {};
  }
  // Waits until /stats.json shows backend in state ("up", "down"...); false on timeout.
  bool wait_state(const Backend& b, const std::string& state, std::chrono::milliseconds timeout = 10s) const {
    return foobar::test::eventually(
        [&] {
          auto x = backend_stats(b);
          return x.is_object() && x["state"] == state;
        },
        timeout, 50ms);
  }
  long vm_hwm_kb() const {
    std::ifstream f("/proc/" + std::to_string(proc->pid()) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
  }
};

// GET path on a fresh connection; returns the body ("" on failure).
inline std::string get_body(int port, const std::string& path = "/") {
  return foobar::test::http_get(port, path).body;
}

// GET from a given loopback source address (127.0.0.x), for source hashing.
inline std::string get_from(int port, const std::string& src, const std::string& path = "/") {
  try {
    foobar::test::HttpConnection c("127.0.0.1", port, 5s, src);
    c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    return c.read_response().body;
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace lbtest

inline std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
