#pragma once
// A worker thread's view of the database cluster: one pool per server, the
// read/write router and causal (read-your-writes) reads. One instance per
// worker; all calls on that worker's thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "db/cluster_metrics.hpp"
#include "db/gtid.hpp"
#include "db/health.hpp"
#include "db/pool.hpp"

namespace foobar::db {

struct ClusterOptions {
  // Every server; which one is primary is the monitor's finding (ClusterHealth::primary).
  std::vector<ServerOptions> servers;
  PoolOptions pool;
  // How long a write waits for a primary while the primary changes (reachable
  // but read-only: a switchover or a promotion under way) before it fails.
  std::chrono::milliseconds write_wait{5000};
  // How long a read carrying a GTID waits on a replica (MASTER_GTID_WAIT)
  // before going to the primary instead.
  std::chrono::milliseconds causal_wait{500};
};

// A transaction: every statement runs on one primary connection. Destroyed
// while still open, it drops the connection (the server rolls back).
class Transaction {
 public:
  Transaction() = default;
  explicit Transaction(Lease lease) : lease_(std::move(lease)) {}
  Transaction(Transaction&&) = default;
  Transaction& operator=(Transaction&&) = default;
  ~Transaction();

  bool open() const noexcept { return static_cast<bool>(lease_); }
  asio::awaitable<Result> execute(std::string_view sql, std::span<const Param> params);
  // Ends the transaction; commit's result carries the transaction's GTID (last_gtid).
  asio::awaitable<Result> commit();
  asio::awaitable<Result> rollback();

 private:
  asio::awaitable<Result> finish(std::string_view sql);
  Lease lease_;
};

class Cluster {
 public:
  // metrics: the process's database series, written into worker `worker`'s cells.
  Cluster(asio::any_io_executor ex, const ClusterOptions& options, std::shared_ptr<const HealthBoard> board,
          const ClusterMetrics& metrics, unsigned worker);

  // A statement on the primary (writes, DDL, locking reads). On success
  // result.last_gtid holds the write's GTID.
  asio::awaitable<Result> write(std::string_view sql, std::span<const Param> params);
  // An autocommit read on a healthy replica, else the primary. With causal set
  // (a GTID this client wrote), the answer is never older than that write.
  asio::awaitable<Result> read(std::string_view sql, std::span<const Param> params,
                               std::optional<Gtid> causal = std::nullopt);

  // Routes by the statement's text (db/router.hpp classify): reads as read(), the rest as write().
  asio::awaitable<Result> query(std::string_view sql, std::span<const Param> params,
                                std::optional<Gtid> causal = std::nullopt);
  // Starts a transaction on the primary (everything in it runs there).
  asio::awaitable<std::pair<Transaction, Error>> begin();

  std::shared_ptr<const ClusterHealth> health() const noexcept { return board_->load(); }

 private:
  // A read on the primary needs it reachable; a write needs writes open too.
  enum class Use { read, write };
  // demoted: a server that just refused a write as read-only: wait for another.
  // chosen (if given) receives the server's index.
  asio::awaitable<std::pair<Lease, Error>> acquire_primary(Use use, std::optional<std::size_t> demoted,
                                                           std::size_t* chosen);
  asio::awaitable<Result> run_on_primary(Use use, std::string_view sql, std::span<const Param> params);
  // The statement on the leased connection, measured as run on target.
  asio::awaitable<Result> timed(Target target, Lease& lease, std::string_view sql, std::span<const Param> params);

  ClusterOptions options_;
  std::shared_ptr<const HealthBoard> board_;
  asio::steady_timer wait_timer_;
  std::vector<std::unique_ptr<Pool>> pools_;  // one per server, same order
  std::size_t rotate_ = 0;
  const ClusterMetrics& metrics_;
  unsigned worker_;
};

}  // namespace foobar::db
