// src/db against a real primary + replica: routing, GTID capture, causal reads,
// pools and the replica monitor, checked on the servers' own counters.
#include <gtest/gtest.h>

#include <thread>

#include "db/cluster.hpp"
#include "db/replica_monitor.hpp"
#include "mariadb_cluster.hpp"

namespace foobar::test {
namespace {

using namespace std::chrono_literals;
static auto* env = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

db::ServerOptions server(const std::string& addr, const ctl::Account& acc, const std::string& database) {
  db::ServerOptions o;
  o.endpoint = net::Address::parse_or_throw(addr, net::Address::Use::Connect);
  o.user = acc.user;
  o.password = acc.password;
  o.database = database;
  return o;
}

// Runs a coroutine to completion on a fresh io_context (bounded).
template <class T>
T run(asio::io_context& io, asio::awaitable<T> aw) {
  std::optional<T> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out = co_await std::move(aw); }, asio::detached);
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  EXPECT_TRUE(out) << "coroutine did not finish";
  return out ? std::move(*out) : T{};
}

struct Env {
  asio::io_context io;
  std::shared_ptr<db::HealthBoard> board;
  std::unique_ptr<db::ReplicaMonitor> monitor;
  core::metrics::Registry registry{1};
  std::unique_ptr<db::ClusterMetrics> metrics;
  std::unique_ptr<db::Cluster> cluster;

  Env(double max_lag = 5.0) {
    auto& c = test::cluster();
    db::ClusterOptions o;
    o.servers = {server(c.primary_addr(), c.accounts.app, c.accounts.database),
                 server(c.replica_addr(), c.accounts.app, c.accounts.database)};
    board = std::make_shared<db::HealthBoard>(db::initial_health(o.servers));
    db::MonitorOptions mo;
    mo.interval = 200ms;
    mo.max_replica_lag = max_lag;
    monitor = std::make_unique<db::ReplicaMonitor>(
        io.get_executor(),
        std::vector{server(c.primary_addr(), c.accounts.monitor, ""), server(c.replica_addr(), c.accounts.monitor, "")},
        mo, board);
    monitor->start();
    metrics = std::make_unique<db::ClusterMetrics>(registry, o.servers, o.pool.max_size);
    cluster = std::make_unique<db::Cluster>(io.get_executor(), o, board, *metrics, 0);
    settle();
  }
  ~Env() {
    monitor->stop();
    io.restart();
    io.run_for(2s);
  }
  void settle(std::chrono::milliseconds d = 500ms) {
    io.restart();
    io.run_for(d);
  }
  db::Result write(std::string_view author, std::string_view body) {
    db::Param p[] = {author, body};
    return run(io, cluster->write("INSERT INTO posts (author, body) VALUES (?, ?)", p));
  }
  db::Result read_post(std::uint64_t id, std::optional<db::Gtid> causal = {}) {
    db::Param p[] = {static_cast<std::int64_t>(id)};
    return run(io, cluster->read("SELECT id, author, body, created_at FROM posts WHERE id = ?", p, causal));
  }
};

TEST(Db, WritesOnPrimaryReadsOnReplica) {
  auto& c = cluster();
  Env env;
  ASSERT_TRUE(env.board->load()->nodes[1].healthy) << env.board->load()->nodes[1].reason;
  auto ins_p = c.counter(c.primary, "Com_insert"), ins_r = c.app_writes(c.replica);
  auto w = env.write("alice", "hello");
  ASSERT_TRUE(w.ok()) << w.error.message;
  EXPECT_GT(w.insert_id, 0u);
  EXPECT_TRUE(db::parse_gtid(w.last_gtid)) << "last_gtid='" << w.last_gtid << "'";
  EXPECT_EQ(c.counter(c.primary, "Com_insert"), ins_p + 1);
  EXPECT_EQ(c.app_writes(c.replica), ins_r);  // the replica applied it, but the app sent it nothing

  ctl::wait_caught_up(c.replica, c.primary, 10s);
  auto sel_p = c.counter(c.primary, "Com_select"), sel_r = c.counter(c.replica, "Com_select");
  auto r = env.read_post(w.insert_id);
  ASSERT_TRUE(r.ok()) << r.error.message;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][1], "alice");
  EXPECT_EQ(r.rows[0][2], "hello");
  EXPECT_EQ(r.server, c.replica_addr());
  EXPECT_EQ(c.counter(c.primary, "Com_select"), sel_p);
  EXPECT_GE(c.counter(c.replica, "Com_select"), sel_r + 1);
}

TEST(Db, CausalReadFallsBackToPrimaryWhenReplicaStopped) {
  auto& c = cluster();
  Env env;
  c.sql_on_replica("STOP SLAVE SQL_THREAD");
  auto w = env.write("bob", "mine");
  ASSERT_TRUE(w.ok()) << w.error.message;
  auto gtid = db::parse_gtid(w.last_gtid);
  ASSERT_TRUE(gtid);
  // Without the GTID: the replica answers (stale: no row).
  auto stale = env.read_post(w.insert_id);
  EXPECT_EQ(stale.server, c.replica_addr());
  EXPECT_TRUE(stale.rows.empty());
  // With it: never older than the write.
  auto fresh = env.read_post(w.insert_id, gtid);
  ASSERT_TRUE(fresh.ok()) << fresh.error.message;
  ASSERT_EQ(fresh.rows.size(), 1u);
  EXPECT_EQ(fresh.server, c.primary_addr());
  EXPECT_EQ(env.metrics->causal_fallbacks().value(), 1u);
  c.sql_on_replica("START SLAVE SQL_THREAD");
  ctl::wait_caught_up(c.replica, c.primary, 10s);
  env.settle(400ms);
  auto after = env.read_post(w.insert_id, gtid);
  EXPECT_EQ(after.server, c.replica_addr());
  ASSERT_EQ(after.rows.size(), 1u);
}

TEST(Db, CausalReadOnAHealthyReplicaWaitsThereNotOnThePrimary) {
  auto& c = cluster();
  Env env;
  auto sel_p = c.counter(c.primary, "Com_select");
  for (int i = 0; i < 5; ++i) {
    auto w = env.write("dave", "read me back at once");
    ASSERT_TRUE(w.ok()) << w.error.message;
    auto r = env.read_post(w.insert_id, db::parse_gtid(w.last_gtid));
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.rows.size(), 1u);  // never older than the write...
    EXPECT_EQ(r.server, c.replica_addr());  // ...and still from the replica
  }
  EXPECT_EQ(c.counter(c.primary, "Com_select"), sel_p);
  EXPECT_EQ(env.metrics->causal_fallbacks().value(), 0u);
}

TEST(Db, PrimaryDownWritesFailFastReadsContinue) {
  auto& c = cluster();
  Env env;
  auto w = env.write("carol", "before");
  ASSERT_TRUE(w.ok());
  ctl::wait_caught_up(c.replica, c.primary, 10s);
  c.kill_primary();
  auto t0 = std::chrono::steady_clock::now();
  auto failed = env.write("carol", "during");
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error.connection);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  env.settle(600ms);
  auto r = env.read_post(w.insert_id);
  EXPECT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.rows.size(), 1u);
  c.start_primary();
  // Every server starts read-only; with no failover manager here, reopen it as
  // the leader does when failover is off and no replica is ahead of it.
  ctl::open_for_writes(c.primary, c.accounts.replication);
  // Back without a restart of the client side (after at most the connect backoff).
  bool ok = false;
  for (int i = 0; i < 30 && !ok; ++i) {
    ok = env.write("carol", "after").ok();
    if (!ok) env.settle(200ms);
  }
  EXPECT_TRUE(ok);
  ctl::wait_caught_up(c.replica, c.primary, 20s);
}

}  // namespace
}  // namespace foobar::test

namespace foobar::test {
namespace {

// An abandoned transaction's connection is dropped, not booked as a failure of
// the primary: the next write on the same pool goes through at once.
TEST(Db, AbandonedTransactionIsNoServerFailure) {
  Env env;
  for (int i = 0; i < 3; ++i) {
    auto [tx, err] = run(env.io, env.cluster->begin());
    ASSERT_FALSE(err) << err.message;
    auto r = run(env.io, tx.execute("SELECT 1", {}));
    ASSERT_TRUE(r.ok()) << r.error.message;
  }  // each transaction is destroyed without COMMIT or ROLLBACK
  auto w = env.write("t", "after abandoned transactions");
  EXPECT_TRUE(w.ok()) << w.error.message;
}

TEST(Db, RouterByStatementTextAndTransactionsOnPrimary) {
  auto& c = cluster();
  Env env;
  ctl::wait_caught_up(c.replica, c.primary, 10s);
  auto sel_p = c.counter(c.primary, "Com_select"), sel_r = c.counter(c.replica, "Com_select");
  auto r = run(env.io, env.cluster->query("SELECT COUNT(*) FROM posts", {}));
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.server, c.replica_addr());
  EXPECT_EQ(c.counter(c.primary, "Com_select"), sel_p);
  EXPECT_GT(c.counter(c.replica, "Com_select"), sel_r);

  auto [tx, err] = run(env.io, env.cluster->begin());
  ASSERT_FALSE(err) << err.message;
  ASSERT_TRUE(tx.open());
  db::Param p[] = {std::string_view("tx"), std::string_view("in a transaction")};
  auto w = run(env.io, tx.execute("INSERT INTO posts (author, body) VALUES (?, ?)", p));
  ASSERT_TRUE(w.ok()) << w.error.message;
  db::Param id[] = {static_cast<std::int64_t>(w.insert_id)};
  sel_p = c.counter(c.primary, "Com_select");
  auto inside = run(env.io, tx.execute("SELECT body FROM posts WHERE id = ?", id));
  ASSERT_EQ(inside.rows.size(), 1u);  // its own uncommitted row: only the primary has it
  EXPECT_EQ(inside.server, c.primary_addr());
  EXPECT_GT(c.counter(c.primary, "Com_select"), sel_p);
  auto done = run(env.io, tx.commit());
  ASSERT_TRUE(done.ok()) << done.error.message;
  EXPECT_TRUE(db::parse_gtid(done.last_gtid)) << done.last_gtid;
  EXPECT_FALSE(tx.open());

  auto [tx2, err2] = run(env.io, env.cluster->begin());
  ASSERT_FALSE(err2);
  ASSERT_TRUE(run(env.io, tx2.execute("INSERT INTO posts (author, body) VALUES (?, ?)", p)).ok());
  ASSERT_TRUE(run(env.io, tx2.rollback()).ok());
  auto after = run(env.io, env.cluster->read("SELECT COUNT(*) FROM posts WHERE author = 'tx'", {},
                                             db::parse_gtid(done.last_gtid)));
  ASSERT_EQ(after.rows.size(), 1u);
  EXPECT_EQ(after.rows[0][0], "1");  // the rolled-back row is not there
}

}  // namespace
}  // namespace foobar::test
