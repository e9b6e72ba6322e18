#pragma once
// Shared by the tests/integration/up_*.cpp tests: a `foobar up` stack in a temp
// state dir on free ports, and the status / HTTP helpers they use.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace foobar::test::up {

using namespace std::chrono_literals;
using nlohmann::json;

inline bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// First port of n consecutive ports that are free now (outside the ephemeral range).
inline int free_port_block(int n) {
  std::mt19937 rng(static_cast<unsigned>(::getpid() ^ std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = 20000 + static_cast<int>(rng() % 12000);
    bool ok = true;
    for (int p = base; p < base + n && ok; ++p) ok = port_free(p);
    if (ok) return base;
  }
  throw std::runtime_error("no block of free ports");
}

inline bool alive(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// `foobar up` in the foreground, as a user runs it, in a state dir that outlives restarts.
struct Stack {
  TempDir dir;
  std::string state_dir = (dir / "state").string();
  int http_port = 0;
  int https_port = 0;  // the lb's TLS listener (a free one, never the default 8443)
  int port_base = 0;
  std::string config;  // "" -> built-in default
  std::unique_ptr<Process> up;

  explicit Stack(int ports_needed = 14) {  // the default topology and its Prometheus, Alertmanager
    port_base = free_port_block(ports_needed);
    auto outside_block = [&] {
      int p = 0;
      do p = free_port(); while (p >= port_base && p < port_base + ports_needed);
      return p;
    };
    http_port = outside_block();
    do https_port = outside_block(); while (https_port == http_port);
  }
  std::vector<std::string> argv(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a{foobar_bin(), "up",           "--state-dir",  state_dir,
                               "--http-port", std::to_string(http_port), "--https-port", std::to_string(https_port),
                               "--port-base", std::to_string(port_base)};
    if (!config.empty()) a.insert(a.end(), {"--config", config});
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  // Starts `foobar up` and waits for its "is up" line; returns the URL.
  std::string start(std::chrono::milliseconds timeout = 180s) {
    up = std::make_unique<Process>(argv());
    return up->wait_for("www\\.foobar\\.com is up: (http://\\S+)", timeout);
  }
  json status(int* rc = nullptr) const {
    std::string out = run(foobar_bin() + " status --json --state-dir " + state_dir, rc);
    return json::parse(out);
  }
  json node(const std::string& name) const {
    json st = status();  // kept alive: the loop refers into it
    for (auto& n : st["nodes"])
      if (n["name"] == name) return n;
    return json();
  }
  std::string log(const std::string& node) const {
    std::ifstream in(state_dir + "/logs/" + node + ".log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

inline HttpResponse post_json(int port, const std::string& path, const std::string& body) {
  return http_raw(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        "Content-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
}

using foobar::test::eventually;

}  // namespace foobar::test::up
