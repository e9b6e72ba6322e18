#include "db/replica_monitor.hpp"

#include <gtest/gtest.h>

namespace foobar::db {

namespace {
Result status(const char* io, const char* sql, const char* sbm, const char* io_pos, const char* applied) {
  Result r;
  r.columns = {"Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master", "Gtid_IO_Pos", "Gtid_Slave_Pos"};
  Row row{std::string(io), std::string(sql), sbm ? Value(sbm) : Value(), std::string(io_pos), std::string(applied)};
  r.rows.push_back(row);
  return r;
}
using Clock = std::chrono::steady_clock;
}  // namespace

TEST(AssessReplica, RunningAndCaughtUpIsHealthy) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(status("Yes", "Yes", "0", "0-1-5", "0-1-5"), since, Clock::now(), 5);
  EXPECT_TRUE(h.healthy) << h.reason;
  EXPECT_EQ(h.lag_seconds, 0.0);
  EXPECT_EQ(h.applied.size(), 1u);
}

TEST(AssessReplica, LagBeyondLimit) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(status("Yes", "Yes", "9", "0-1-9", "0-1-5"), since, Clock::now(), 5);
  EXPECT_FALSE(h.healthy);
  EXPECT_NE(h.reason.find("lagging"), std::string::npos);
}

TEST(AssessReplica, StoppedIoThreadTakesNoReads) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(status("No", "No", nullptr, "0-1-5", "0-1-5"), since, Clock::now(), 5);
  EXPECT_FALSE(h.healthy);
}

TEST(AssessReplica, PrimaryDownButCaughtUpStillServes) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(status("Connecting", "Yes", nullptr, "0-1-5", "0-1-5"), since, Clock::now(), 5);
  EXPECT_TRUE(h.healthy) << h.reason;
}

TEST(AssessReplica, StoppedSqlThreadLagGrowsFromFirstSighting) {
  std::optional<Clock::time_point> since;
  auto t0 = Clock::now();
  auto h = assess_replica(status("Yes", "No", nullptr, "0-1-6", "0-1-5"), since, t0, 5);
  EXPECT_TRUE(h.healthy) << h.reason;  // just fell behind
  h = assess_replica(status("Yes", "No", nullptr, "0-1-7", "0-1-5"), since, t0 + std::chrono::seconds(6), 5);
  EXPECT_FALSE(h.healthy);
  ASSERT_TRUE(h.lag_seconds);
  EXPECT_NEAR(*h.lag_seconds, 6.0, 0.01);
  // Caught up again: lag resets.
  h = assess_replica(status("Yes", "Yes", "0", "0-1-7", "0-1-7"), since, t0 + std::chrono::seconds(7), 5);
  EXPECT_TRUE(h.healthy);
  EXPECT_FALSE(since);
}

TEST(AssessReplica, UnreachableOrNotAReplica) {
  std::optional<Clock::time_point> since;
  Result down;
  down.error.connection = true;
  down.error.code = 2003;
  down.error.message = "refused";
  auto h = assess_replica(down, since, Clock::now(), 5);
  EXPECT_FALSE(h.up);
  EXPECT_FALSE(h.healthy);
  Result empty;
  empty.columns = {"Slave_IO_Running"};
  h = assess_replica(empty, since, Clock::now(), 5);
  EXPECT_TRUE(h.up);
  EXPECT_FALSE(h.healthy);
}

// Only a server that cannot be reached makes the app stop sending it writes;
// one that answers with a refusal (bad password, too many connections) does not.
TEST(ErrorKind, UnreachableMeansNoAnswerAtAll) {
  Error refused;
  refused.code = 2003;  // CR_CONN_HOST_ERROR: connection refused / no route
  refused.connection = true;
  EXPECT_TRUE(refused.unreachable());
  Error timed_out;
  timed_out.connection = timed_out.timeout = true;
  EXPECT_TRUE(timed_out.unreachable());
  Error denied;
  denied.code = 1045;  // access denied: the server is there
  denied.connection = true;
  EXPECT_FALSE(denied.unreachable());
  EXPECT_FALSE(Error{}.unreachable());
}

}  // namespace foobar::db
