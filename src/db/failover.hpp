#pragma once
// Automatic failover, fencing and rejoin for a MariaDB primary and its GTID
// replicas (semi-synchronous). Every app server runs one; the one holding a
// majority of the database servers' `foobar_failover` locks (GET_LOCK, one
// connection per server) is the leader, and only the leader acts:
//   - fence: a writable server that is not the primary is made read-only;
//   - rejoin: a server that is not replicating from the primary (restarted, or
//     an old primary back) is pointed at it, unless it holds a transaction the
//     primary lacks: then it is quarantined (kept out, reported);
//   - failover: when the primary has not taken writes for failover_after, and
//     no replica's IO thread still sees it, the replica that received the most
//     is promoted once it has applied its whole relay log, and the others follow it.
// The rules and their limits are in docs/app.md ("Failover").
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "db/connection.hpp"
#include "db/health.hpp"

namespace foobar::db {

struct FailoverOptions {
  std::chrono::milliseconds interval{1000};        // how often the leader looks (the monitor's interval)
  std::chrono::milliseconds failover_after{3000};  // 0: never promote (fence and rejoin still run)
  std::chrono::milliseconds catch_up_timeout{30000};  // for the candidate to apply its relay log
};

class FailoverManager {
 public:
  // servers: the monitor user's options for every server, in the monitor's order.
  FailoverManager(asio::any_io_executor ex, std::vector<ServerOptions> servers, FailoverOptions options,
                  std::shared_ptr<HealthBoard> board);
  ~FailoverManager();
  void start();
  void stop();  // on the executor's thread
  bool leader() const noexcept;

 private:
  struct Node;
  asio::awaitable<void> hold_lock(std::size_t i);
  asio::awaitable<void> loop();
  asio::awaitable<void> act(const ClusterHealth& h);
  // STOP and START the replica's IO thread (it is stuck, or connected without semi-sync).
  asio::awaitable<void> reconnect_io_thread(std::size_t i, std::string why);
  asio::awaitable<void> promote(std::size_t lost, const ClusterHealth& h);
  asio::awaitable<void> reopen(std::size_t primary, const ClusterHealth& h);
  asio::awaitable<void> rejoin(std::size_t i, std::size_t primary, const ClusterHealth& h);
  // long_wait: for MASTER_GTID_WAIT (catch_up_timeout); else two intervals.
  asio::awaitable<Result> run(std::size_t i, std::string sql, bool long_wait = false);
  asio::awaitable<void> run_each(std::vector<std::size_t> servers, std::string sql);
  asio::awaitable<std::optional<ServerHealth>> inspect(std::size_t i);
  void update(const std::function<void(ClusterHealth&)>& change);

  asio::any_io_executor ex_;
  FailoverOptions options_;
  std::shared_ptr<HealthBoard> board_;
  std::vector<std::unique_ptr<Node>> nodes_;
  asio::steady_timer timer_;
  std::shared_ptr<bool> stopped_;
  std::chrono::steady_clock::time_point retry_at_{};  // no new GET_LOCK before this
  std::mt19937_64 random_{std::random_device{}()};
  std::optional<std::size_t> lost_;  // the primary that stopped taking writes...
  std::chrono::steady_clock::time_point lost_since_{};  // ...and since when
  // The primary had semi-sync on: its successor gets it too. Until one is seen
  // (a leader that started with the primary down), on whenever there are replicas.
  bool semi_sync_ = false;
  std::string waiting_;     // why a due failover is not happening (logged once)
};

}  // namespace foobar::db
