// `foobar app` when servers fail: a replica stopped, killed or lagging stops
// getting reads within 3 s and gets them back when healthy; with the primary
// killed (and not restarted for 30 s), the replica is promoted, writes still
// fail fast with 503 (no replica is left to acknowledge them: semi-sync) and
// reads continue; the old primary returns read-only, rejoins as a replica, and
// writes resume without an app restart.
#include <gtest/gtest.h>

#include "app_fixture.hpp"

namespace foobar::test {
namespace {

static auto* env = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

// Where does a plain read go right now? Issues one GET and watches both servers' Com_select.
enum class Served { Primary, Replica, Failed };
Served read_once(int port, const std::string& path) {
  auto& c = cluster();
  long long p0 = c.counter(c.primary, "Com_select");
  long long r0 = -1;
  try {
    r0 = c.counter(c.replica, "Com_select");
  } catch (const std::exception&) {
  }
  auto r = get(port, path);
  if (r.status != 200) return Served::Failed;
  if (c.counter(c.primary, "Com_select") > p0) return Served::Primary;
  if (r0 >= 0 && c.counter(c.replica, "Com_select") > r0) return Served::Replica;
  return Served::Failed;
}

// Polls until reads are served by `want`; returns how long it took (or nullopt after timeout).
std::optional<std::chrono::milliseconds> reads_move_to(Served want, int port, const std::string& path,
                                                       std::chrono::milliseconds timeout) {
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < timeout) {
    if (read_once(port, path) == want)
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

std::string some_post(int port) {
  auto r = post(port, {{"author", "failover"}, {"body", "a post to read"}});
  EXPECT_EQ(r.status, 201) << r.body;
  ctl::wait_caught_up(cluster().replica, cluster().primary, 20s);
  return "/api/posts/" + std::to_string(json(r).value("id", 0ull));
}

TEST(AppFailover, ReplicaStoppedThenStartedAgain) {
  AppProcess app;
  ASSERT_TRUE(app.wait_replica(true));
  auto path = some_post(app.port);
  ASSERT_TRUE(reads_move_to(Served::Replica, app.port, path, 3s));
  cluster().sql_on_replica("STOP SLAVE");
  auto took = reads_move_to(Served::Primary, app.port, path, 3s);
  ASSERT_TRUE(took) << "reads still on the stopped replica";
  cluster().sql_on_replica("START SLAVE");
  EXPECT_TRUE(reads_move_to(Served::Replica, app.port, path, 3s));
}

TEST(AppFailover, ReplicaKilledThenRestarted) {
  AppProcess app;
  ASSERT_TRUE(app.wait_replica(true));
  auto path = some_post(app.port);
  cluster().kill_replica();
  // Reads never fail: a read that hits the dead replica falls back to the primary.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get(app.port, path).status, 200);
  EXPECT_TRUE(reads_move_to(Served::Primary, app.port, path, 3s));
  EXPECT_TRUE(app.wait_replica(false, 3s));
  cluster().start_replica();
  ctl::wait_caught_up(cluster().replica, cluster().primary, 20s);
  EXPECT_TRUE(reads_move_to(Served::Replica, app.port, path, 3s));
}

TEST(AppFailover, LaggingReplicaTakesNoReads) {
  AppProcess app({"--max-replica-lag", "1"});
  ASSERT_TRUE(app.wait_replica(true));
  auto path = some_post(app.port);
  cluster().sql_on_replica("STOP SLAVE SQL_THREAD");
  // Writes keep arriving at the replica, unapplied: its lag grows past 1 s.
  ASSERT_EQ(post(app.port, {{"author", "lag"}, {"body", "behind"}}).status, 201);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(reads_move_to(Served::Primary, app.port, path, 1s + 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 500ms);  // not before it really lagged
  cluster().sql_on_replica("START SLAVE SQL_THREAD");
  ctl::wait_caught_up(cluster().replica, cluster().primary, 20s);
  EXPECT_TRUE(reads_move_to(Served::Replica, app.port, path, 3s));
}

TEST(AppFailover, PrimaryKilledWritesFailFastReadsContinue) {
  AppProcess app;
  ASSERT_TRUE(app.wait_replica(true));
  auto path = some_post(app.port);
  cluster().kill_primary();
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = post(app.port, {{"author", "x"}, {"body", "primary is down"}});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_FALSE(r.header("Retry-After").empty());
    EXPECT_EQ(r.body.find("Can't connect"), std::string::npos) << "internals leaked: " << r.body;
  }
  // The replica applied everything it received: it keeps serving reads however
  // long the primary stays away (its lag is 0, not the time since the loss).
  const auto until = std::chrono::steady_clock::now() + 32s;
  int reads = 0;
  while (std::chrono::steady_clock::now() < until && reads < 200) {
    auto r = get(app.port, path);
    ASSERT_EQ(r.status, 200) << "read " << reads << " after the primary died: " << r.body;
    ASSERT_EQ(get(app.port, "/api/posts").status, 200);
    ++reads;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GE(reads, 100);
  EXPECT_EQ(post(app.port, {{"author", "x"}, {"body", "primary still down"}}).status, 503);
  auto health = get(app.port, "/api/health");
  EXPECT_EQ(health.status, 200);
  cluster().start_primary();
  bool back = eventually([&] { return post(app.port, {{"author", "x"}, {"body", "primary is back"}}).status == 201; }, 5s);
  EXPECT_TRUE(back) << "writes did not recover without an app restart";
  // The replica was promoted meanwhile (it was the only one left), and the old
  // primary came back read-only and rejoined as its replica.
  auto& c = cluster();
  ASSERT_EQ(ctl::admin_query(c.replica, "SELECT @@read_only")[0][0], "0") << app.output();
  ASSERT_EQ(ctl::admin_query(c.primary, "SELECT @@read_only")[0][0], "1");
  ctl::wait_caught_up(c.primary, c.replica, 20s);
}

}  // namespace
}  // namespace foobar::test
