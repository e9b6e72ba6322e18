#include "db/replica_monitor.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "db/replica_status.hpp"

namespace foobar::db {

namespace {
using Clock = std::chrono::steady_clock;

// A result captured from a real MariaDB 10.11 (see captured/README.md), as the
// connection would return it: columns, one row, NULL as nullopt.
Result captured(const std::string& name) {
  std::ifstream in(std::string(FOOBAR_SOURCE_DIR) + "/tests/unit/db/captured/" + name + ".tsv");
  EXPECT_TRUE(in) << name;
  auto split = [](const std::string& line) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\t') {
        out.emplace_back();
      } else if (line[i] == '\\' && i + 1 < line.size()) {
        char c = line[++i];
        out.back() += c == 't' ? '\t' : c == 'n' ? '\n' : c == '0' ? '\0' : c;
      } else {
        out.back() += line[i];
      }
    }
    return out;
  };
  Result r;
  std::string line;
  if (std::getline(in, line)) r.columns = split(line);
  while (std::getline(in, line)) {
    Row row;
    for (auto& v : split(line)) row.push_back(v == "NULL" ? Value() : Value(v));
    r.rows.push_back(std::move(row));
  }
  return r;
}

// The captured result with some values changed (states the capture did not catch).
Result with(Result r, std::initializer_list<std::pair<const char*, Value>> changes) {
  for (auto& [column, value] : changes) {
    int i = r.column(column);
    EXPECT_GE(i, 0) << column;
    if (i >= 0) r.rows.at(0).at(i) = value;
  }
  return r;
}
}  // namespace

TEST(ReplicaStatus, ShowReplicaStatusHasNoAppliedPosition) {
  // Why the monitor asks for the ALL form: without Gtid_Slave_Pos it cannot
  // tell a caught-up replica from one that stopped applying.
  auto plain = captured("show_replica_status.running");
  EXPECT_LT(plain.column("Gtid_Slave_Pos"), 0);
  EXPECT_GE(captured("show_all_replicas_status.running").column("Gtid_Slave_Pos"), 0);
  EXPECT_EQ(kReplicaStatusQuery, "SHOW ALL REPLICAS STATUS");
}

TEST(ReplicaStatus, ParsesTheDefaultConnectionsRow) {
  auto s = parse_replica_status(captured("show_all_replicas_status.primary_gone"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->io_state, "Connecting");
  EXPECT_FALSE(s->io_running);
  EXPECT_TRUE(s->sql_running);
  EXPECT_FALSE(s->seconds_behind);
  EXPECT_EQ(s->gtid_io_pos, "0-1-5");
  EXPECT_EQ(s->gtid_slave_pos, "0-1-5");
  EXPECT_NE(s->last_error.find("Connection refused"), std::string::npos) << s->last_error;
  // A named connection (multi-source) is not the one we configure.
  auto named = with(captured("show_all_replicas_status.running"), {{"Connection_name", "other"}});
  EXPECT_FALSE(parse_replica_status(named));
}

TEST(AssessReplica, RunningAndCaughtUpIsHealthy) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(captured("show_all_replicas_status.running"), since, Clock::now(), 5);
  EXPECT_TRUE(h.healthy) << h.reason;
  EXPECT_EQ(h.lag_seconds, 0.0);
  EXPECT_EQ(h.applied.size(), 1u);
}

TEST(AssessReplica, LagBeyondLimit) {
  std::optional<Clock::time_point> since;
  auto r = with(captured("show_all_replicas_status.running"),
                {{"Seconds_Behind_Master", "9"}, {"Gtid_IO_Pos", "0-1-9"}});
  auto h = assess_replica(r, since, Clock::now(), 5);
  EXPECT_FALSE(h.healthy);
  EXPECT_NE(h.reason.find("lagging"), std::string::npos);
}

TEST(AssessReplica, StoppedIoThreadTakesNoReads) {
  std::optional<Clock::time_point> since;
  auto h = assess_replica(captured("show_all_replicas_status.stopped"), since, Clock::now(), 5);
  EXPECT_FALSE(h.healthy);
  EXPECT_NE(h.reason.find("IO thread"), std::string::npos) << h.reason;
}

// The defect this replaces: with the primary gone, a caught-up replica was
// declared lagging by the time since the monitor started, and reads stopped.
TEST(AssessReplica, PrimaryGoneButCaughtUpKeepsServingForever) {
  std::optional<Clock::time_point> since;
  auto t0 = Clock::now();
  auto gone = captured("show_all_replicas_status.primary_gone");
  for (auto t : {t0, t0 + std::chrono::seconds(60), t0 + std::chrono::hours(2)}) {
    auto h = assess_replica(gone, since, t, 5);
    EXPECT_TRUE(h.healthy) << h.reason;
    EXPECT_EQ(h.lag_seconds, 0.0);
  }
}

TEST(AssessReplica, PrimaryGoneWithUnappliedEventsLagGrows) {
  std::optional<Clock::time_point> since;
  auto t0 = Clock::now();
  auto behind = with(captured("show_all_replicas_status.primary_gone"), {{"Gtid_IO_Pos", "0-1-7"}});
  EXPECT_TRUE(assess_replica(behind, since, t0, 5).healthy);  // just fell behind
  auto h = assess_replica(behind, since, t0 + std::chrono::seconds(6), 5);
  EXPECT_FALSE(h.healthy);
  ASSERT_TRUE(h.lag_seconds);
  EXPECT_NEAR(*h.lag_seconds, 6.0, 0.01);
}

TEST(AssessReplica, StoppedSqlThreadLagGrowsFromFirstSighting) {
  std::optional<Clock::time_point> since;
  auto t0 = Clock::now();
  auto running = captured("show_all_replicas_status.running");
  auto sql_stopped = [&](const char* io_pos) {
    return with(running, {{"Slave_SQL_Running", "No"}, {"Seconds_Behind_Master", Value()}, {"Gtid_IO_Pos", io_pos}});
  };
  auto h = assess_replica(sql_stopped("0-1-6"), since, t0, 5);
  EXPECT_TRUE(h.healthy) << h.reason;  // just fell behind
  h = assess_replica(sql_stopped("0-1-7"), since, t0 + std::chrono::seconds(6), 5);
  EXPECT_FALSE(h.healthy);
  ASSERT_TRUE(h.lag_seconds);
  EXPECT_NEAR(*h.lag_seconds, 6.0, 0.01);
  // Caught up again: lag resets.
  h = assess_replica(running, since, t0 + std::chrono::seconds(7), 5);
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
  Result empty;  // a server that replicates from nothing: columns, no rows
  empty.columns = captured("show_all_replicas_status.running").columns;
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

namespace foobar::db {

TEST(NodeState, ReadsRoleAndPositionsFromTheRealAnswer) {
  ServerHealth p, r;
  ASSERT_TRUE(read_node_state(captured("node_state.primary"), p));
  ASSERT_TRUE(read_node_state(captured("node_state.replica"), r));
  EXPECT_TRUE(p.writable);
  EXPECT_TRUE(p.semi_sync_master);
  EXPECT_EQ(p.semi_sync_clients, 1u);
  EXPECT_EQ(p.gtid_binlog_state, "0-1-65,0-2-69");
  EXPECT_FALSE(r.writable);
  EXPECT_FALSE(r.semi_sync_master);
  ServerHealth bad;
  EXPECT_FALSE(read_node_state(captured("show_all_replicas_status.running"), bad));
}

TEST(ReplicaStatus, MasterAndConnectionFromTheRealAnswer) {
  auto running = parse_replica_status(captured("show_all_replicas_status.running"));
  ASSERT_TRUE(running);
  EXPECT_FALSE(running->master.empty());
  EXPECT_TRUE(running->io_connected);
  // "Yes" while reconnecting after a failed read: not connected.
  auto reconnecting = parse_replica_status(with(captured("show_all_replicas_status.running"),
                                                {{"Slave_IO_State", "Reconnecting after a failed master event read"}}));
  ASSERT_TRUE(reconnecting);
  EXPECT_TRUE(reconnecting->io_running);
  EXPECT_FALSE(reconnecting->io_connected);
  auto gone = parse_replica_status(captured("show_all_replicas_status.primary_gone"));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->io_connected);
}

}  // namespace foobar::db
