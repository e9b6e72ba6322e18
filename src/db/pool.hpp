#pragma once
// A per-thread pool of connections to one server: at most max_size connections,
// a bounded queue of waiters, connect backoff after failures (so a dead server
// costs callers nothing: they fail at once), and a check of idle connections
// before reuse. Used only on the io_context it was created with.
#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>

#include "core/asio.hpp"
#include "db/cluster_metrics.hpp"
#include "db/connection.hpp"

namespace foobar::db {

struct PoolOptions {
  std::size_t max_size = 32;     // connections per thread to this server
  std::size_t max_waiters = 1024;
  std::chrono::milliseconds acquire_timeout{2000};  // longest wait for a free connection
  std::chrono::milliseconds backoff_min{100};       // first retry delay after a failed connect
  std::chrono::milliseconds backoff_max{1000};
  std::chrono::milliseconds ping_after_idle{30000}; // idle longer -> ping before reuse
};

class Pool;

// A borrowed connection; returns to its pool when destroyed (or is dropped if broken).
class Lease {
 public:
  Lease() = default;
  Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), conn_(std::move(c)) {}
  Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) { o.pool_ = nullptr; }
  Lease& operator=(Lease&& o) noexcept;
  ~Lease();
  explicit operator bool() const noexcept { return conn_ != nullptr; }
  Connection* operator->() const noexcept { return conn_.get(); }
  Connection& operator*() const noexcept { return *conn_; }

 private:
  Pool* pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  // series (if any): where worker `worker` reports its connections and waits.
  Pool(asio::any_io_executor ex, ServerOptions server, PoolOptions options = {}, const PoolSeries* series = nullptr,
       unsigned worker = 0);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A healthy connection, or an error: connection (server down / in backoff),
  // busy (wait queue full or acquire_timeout passed).
  asio::awaitable<std::pair<Lease, Error>> acquire();

  const ServerOptions& server() const noexcept { return *server_; }
  // Leased connections plus waiters: the router's "outstanding queries".
  std::size_t outstanding() const noexcept { return leased_ + waiters_.size(); }
  // True while connects are being refused after a failure (until the backoff ends).
  bool in_backoff() const noexcept { return std::chrono::steady_clock::now() < retry_at_; }
  std::size_t idle() const noexcept { return idle_.size(); }
  std::size_t size() const noexcept { return total_; }

 private:
  friend class Lease;
  struct Waiter;
  void release(std::unique_ptr<Connection> c);
  asio::awaitable<std::pair<Lease, Error>> take();
  void note_failure();
  void publish() noexcept;  // the idle and busy counts, into series_

  asio::any_io_executor ex_;
  std::shared_ptr<const ServerOptions> server_;
  PoolOptions options_;
  std::deque<std::unique_ptr<Connection>> idle_;
  std::list<Waiter*> waiters_;
  std::size_t total_ = 0;   // idle + leased + connecting
  std::size_t leased_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  const PoolSeries* series_;
  unsigned worker_;
};

}  // namespace foobar::db
