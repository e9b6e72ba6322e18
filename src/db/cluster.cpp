#include "db/cluster.hpp"

#include "db/router.hpp"

namespace foobar::db {

Transaction::~Transaction() {
  if (lease_) lease_->discard();
}

asio::awaitable<Result> Transaction::execute(std::string_view sql, std::span<const Param> params) {
  if (!lease_) {
    Result r;
    r.error.code = 2014;  // CR_COMMANDS_OUT_OF_SYNC
    r.error.message = "transaction is not open";
    co_return r;
  }
  auto r = co_await lease_->execute(sql, params);
  if (r.error.connection) lease_ = Lease{};  // broken: the transaction is gone
  co_return r;
}

asio::awaitable<Result> Transaction::finish(std::string_view sql) {
  if (!lease_) {
    Result r;
    r.error.code = 2014;
    r.error.message = "transaction is not open";
    co_return r;
  }
  auto r = co_await lease_->query(sql);
  if (!r.ok()) lease_->discard();  // state unknown: do not reuse the connection
  r.error.indeterminate = r.error.connection || r.error.timeout;
  lease_ = Lease{};
  co_return r;
}

asio::awaitable<Result> Transaction::commit() {
  auto r = co_await finish("COMMIT");
  co_return r;
}

asio::awaitable<Result> Transaction::rollback() {
  auto r = co_await finish("ROLLBACK");
  co_return r;
}

Cluster::Cluster(asio::any_io_executor ex, const ClusterOptions& options, std::shared_ptr<const HealthBoard> board,
                 const ClusterMetrics& metrics, unsigned worker)
    : options_(options), board_(std::move(board)), wait_timer_(ex), metrics_(metrics), worker_(worker) {
  for (std::size_t i = 0; i < options.servers.size(); ++i)
    pools_.push_back(std::make_unique<Pool>(ex, options.servers[i], options.pool, &metrics.pool(i), worker));
}

asio::awaitable<Result> Cluster::timed(Target target, Lease& lease, std::string_view sql,
                                       std::span<const Param> params) {
  const auto start = std::chrono::steady_clock::now();
  auto r = co_await lease->execute(sql, params);
  metrics_.query_done(worker_, target, r.ok(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  co_return r;
}

// While the monitor cannot reach the primary, or no replica acknowledges its
// writes, this fails at once: waiting to find out again would cost each request
// a timeout. While the primary changes, it waits (up to write_wait) for the new one.
asio::awaitable<std::pair<Lease, Error>> Cluster::acquire_primary(Use use, std::optional<std::size_t> demoted,
                                                                  std::size_t* chosen) {
  const auto deadline = std::chrono::steady_clock::now() + options_.write_wait;
  for (;;) {
    const auto snapshot = board_->load();  // held: the monitor may publish a new one meanwhile
    const ServerHealth* p = snapshot->primary_health();
    const bool moved_on = !demoted || snapshot->primary != demoted;
    const bool open = use == Use::read || snapshot->writes_refused.empty();
    if (p && open && !(p->checked && p->unreachable) && moved_on) {
      if (chosen) *chosen = *snapshot->primary;
      auto leased = co_await pools_[*snapshot->primary]->acquire();
      co_return leased;
    }
    if (use == Use::read || !(snapshot->writes_wait || !moved_on) || std::chrono::steady_clock::now() >= deadline) {
      Error e;
      e.connection = true;
      e.message = snapshot->writes_refused.empty() ? "primary unreachable: " + (p ? p->reason : std::string("none"))
                                                   : snapshot->writes_refused;
      co_return std::pair{Lease{}, std::move(e)};
    }
    wait_timer_.expires_after(std::chrono::milliseconds(50));
    co_await wait_timer_.async_wait(use_nothrow);
  }
}

asio::awaitable<Result> Cluster::run_on_primary(Use use, std::string_view sql, std::span<const Param> params) {
  std::optional<std::size_t> demoted;
  for (int attempt = 0;; ++attempt) {
    std::size_t used = 0;
    auto [lease, err] = co_await acquire_primary(use, demoted, &used);
    if (err) {
      Result r;
      r.error = std::move(err);
      co_return r;
    }
    auto r = co_await timed(Target::primary, lease, sql, params);
    r.error.indeterminate = use == Use::write && (r.error.connection || r.error.timeout);
    // 1290: the server turned read-only (demoted in a switchover). It refused
    // the statement before running it, so it is safe to send to the next primary.
    constexpr unsigned kReadOnly = 1290;
    if (use == Use::read || r.error.code != kReadOnly || attempt > 0) co_return r;
    demoted = used;
  }
}

asio::awaitable<Result> Cluster::write(std::string_view sql, std::span<const Param> params) {
  auto r = co_await run_on_primary(Use::write, sql, params);
  co_return r;
}

asio::awaitable<Result> Cluster::read(std::string_view sql, std::span<const Param> params,
                                      std::optional<Gtid> causal) {
  auto snapshot = board_->load();
  std::vector<ReplicaLoad> loads(pools_.size());
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    loads[i].healthy = snapshot->is_replica(i) && snapshot->nodes[i].healthy;
    loads[i].available = !pools_[i]->in_backoff();
    loads[i].outstanding = pools_[i]->outstanding();
  }
  auto target = route(StatementKind::Read, false, loads, rotate_++);
  if (target) {
    Pool& pool = *pools_[*target];
    auto [lease, err] = co_await pool.acquire();
    if (!err) {
      bool fresh = true;
      const auto& health = snapshot->nodes[*target];
      if (causal && !covers(health.applied, *causal) && health.status_known && !health.sql_running) {
        // Not applied, and the replica is not applying anything: waiting cannot help.
        fresh = false;
      } else if (causal && !covers(health.applied, *causal)) {
        // The monitor has not seen the replica apply the client's write yet: wait for it there.
        metrics_.causal_waits().add(worker_);
        auto gtid = causal->str();
        auto seconds = std::to_string(static_cast<double>(options_.causal_wait.count()) / 1000.0);
        Param wait_params[] = {std::string_view(gtid), std::string_view(seconds)};
        auto w = co_await lease->execute("SELECT MASTER_GTID_WAIT(?, ?)", wait_params);
        fresh = w.ok() && !w.rows.empty() && w.rows[0].size() == 1 && w.rows[0][0] == "0";
      }
      if (!fresh) metrics_.causal_fallbacks().add(worker_);
      if (fresh) {
        auto r = co_await timed(Target::replica, lease, sql, params);
        if (!r.error.connection) co_return r;
        // The replica failed under us: the primary still has the data.
      }
    }
  }
  auto r = co_await run_on_primary(Use::read, sql, params);
  co_return r;
}

asio::awaitable<Result> Cluster::query(std::string_view sql, std::span<const Param> params,
                                       std::optional<Gtid> causal) {
  if (classify(sql) == StatementKind::Read) {
    auto r = co_await read(sql, params, causal);
    co_return r;
  }
  auto r = co_await write(sql, params);
  co_return r;
}

asio::awaitable<std::pair<Transaction, Error>> Cluster::begin() {
  auto [lease, err] = co_await acquire_primary(Use::write, std::nullopt, nullptr);
  if (err) co_return std::pair{Transaction{}, err};
  auto r = co_await lease->query("START TRANSACTION");
  if (!r.ok()) {
    lease->discard();
    co_return std::pair{Transaction{}, r.error};
  }
  co_return std::pair{Transaction(std::move(lease)), Error{}};
}

}  // namespace foobar::db
