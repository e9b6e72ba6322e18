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

Cluster::Cluster(asio::any_io_executor ex, const ClusterOptions& options, std::shared_ptr<const HealthBoard> board)
    : options_(options), board_(std::move(board)) {
  primary_ = std::make_unique<Pool>(ex, options.primary, options.pool);
  for (const auto& r : options.replicas) replicas_.push_back(std::make_unique<Pool>(ex, r, options.pool));
}

// While the monitor cannot reach the primary, this fails at once: waiting to
// find out again would cost each request a timeout.
asio::awaitable<std::pair<Lease, Error>> Cluster::acquire_primary() {
  const auto snapshot = board_->load();  // held: the monitor may publish a new one meanwhile
  if (snapshot->primary.checked && snapshot->primary.unreachable) {
    Error e;
    e.connection = true;
    e.message = "primary unreachable: " + snapshot->primary.reason;
    co_return std::pair{Lease{}, std::move(e)};
  }
  auto leased = co_await primary_->acquire();
  co_return leased;
}

asio::awaitable<Result> Cluster::run_on_primary(std::string_view sql, std::span<const Param> params) {
  auto [lease, err] = co_await acquire_primary();
  if (err) {
    Result r;
    r.error = std::move(err);
    r.server = primary_->server().endpoint.str();
    co_return r;
  }
  auto r = co_await lease->execute(sql, params);
  co_return r;
}

asio::awaitable<Result> Cluster::write(std::string_view sql, std::span<const Param> params) {
  ++stats_.writes;
  auto r = co_await run_on_primary(sql, params);
  co_return r;
}

asio::awaitable<Result> Cluster::read(std::string_view sql, std::span<const Param> params,
                                      std::optional<Gtid> causal) {
  auto snapshot = board_->load();
  std::vector<ReplicaLoad> loads(replicas_.size());
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    loads[i].healthy = i < snapshot->replicas.size() && snapshot->replicas[i].healthy;
    loads[i].available = !replicas_[i]->in_backoff();
    loads[i].outstanding = replicas_[i]->outstanding();
  }
  auto target = route(StatementKind::Read, false, loads, rotate_++);
  if (target) {
    Pool& pool = *replicas_[*target];
    auto [lease, err] = co_await pool.acquire();
    if (!err) {
      bool fresh = true;
      const auto& health = snapshot->replicas[*target];
      if (causal && !covers(health.applied, *causal) && health.status_known && !health.sql_running) {
        // Not applied, and the replica is not applying anything: waiting cannot help.
        fresh = false;
        ++stats_.causal_fallbacks;
      } else if (causal && !covers(health.applied, *causal)) {
        // The monitor has not seen the replica apply the client's write yet: wait for it there.
        ++stats_.causal_waits;
        auto gtid = causal->str();
        auto seconds = std::to_string(static_cast<double>(options_.causal_wait.count()) / 1000.0);
        Param wait_params[] = {std::string_view(gtid), std::string_view(seconds)};
        auto w = co_await lease->execute("SELECT MASTER_GTID_WAIT(?, ?)", wait_params);
        fresh = w.ok() && !w.rows.empty() && w.rows[0].size() == 1 && w.rows[0][0] == "0";
        if (!fresh) ++stats_.causal_fallbacks;
      }
      if (fresh) {
        auto r = co_await lease->execute(sql, params);
        if (!r.error.connection) {
          ++stats_.reads_replica;
          co_return r;
        }
        // The replica failed under us: the primary still has the data.
      }
    }
  }
  ++stats_.reads_primary;
  auto r = co_await run_on_primary(sql, params);
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
  auto [lease, err] = co_await acquire_primary();
  if (err) co_return std::pair{Transaction{}, err};
  auto r = co_await lease->query("START TRANSACTION");
  if (!r.ok()) {
    lease->discard();
    co_return std::pair{Transaction{}, r.error};
  }
  co_return std::pair{Transaction(std::move(lease)), Error{}};
}

}  // namespace foobar::db
