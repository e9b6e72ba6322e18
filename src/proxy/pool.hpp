#pragma once
// Per-worker keep-alive connections to each server of one upstream group.
// Single-threaded (one pool per worker thread). Most recently used first, so
// the warm connections stay warm and the cold ones age out.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/asio.hpp"
#include "http/client.hpp"

namespace foobar::proxy {

struct PoolConfig {
  std::size_t idle_max = 64;                         // idle connections kept per server
  std::chrono::milliseconds idle_timeout{30000};     // closed after this long unused
};

class ConnectionPool {
 public:
  // The sweep timer stops (and the pool closes) once *stopping turns true, so
  // a stopping worker's io_context runs out of work.
  ConnectionPool(asio::io_context& io, std::size_t servers, PoolConfig cfg,
                 std::shared_ptr<const std::atomic<bool>> stopping);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection to server (marked reused, lent a buffer), or null.
  std::unique_ptr<http::ClientConnection> take(std::size_t server);
  // Keeps c for reuse (closes it when the pool is full); its buffer joins the spares.
  void put(std::size_t server, std::unique_ptr<http::ClientConnection> c);
  // Lends a spare read buffer to a new connection.
  void lend_buffer(http::ClientConnection& c);
  std::size_t idle(std::size_t server) const noexcept { return idle_[server].size(); }
  // Closes connections idle past the timeout; runs by itself every second.
  void sweep();
  // Closes everything and stops the sweep timer (at shutdown).
  void close_all();

 private:
  struct Idle {
    std::unique_ptr<http::ClientConnection> conn;
    std::chrono::steady_clock::time_point since;
  };
  void schedule();
  PoolConfig cfg_;
  std::vector<std::deque<Idle>> idle_;  // back = most recently used
  std::vector<std::unique_ptr<char[]>> spare_buffers_;  // bounded: idle connections hold none
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_;
  std::shared_ptr<const std::atomic<bool>> stopping_;
};

}  // namespace foobar::proxy
