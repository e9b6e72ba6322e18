#include "db/roles.hpp"

#include <gtest/gtest.h>

namespace foobar::db {
namespace {

ServerHealth node(std::string server, bool writable, std::string master = "", std::string binlog_pos = "",
                  std::string binlog_state = "") {
  ServerHealth n;
  n.server = std::move(server);
  n.checked = n.up = n.role_known = true;
  n.writable = writable;
  n.master = std::move(master);
  if (!n.master.empty()) {
    n.status_known = true;
    n.io_state = "Yes";
    n.io_running = n.io_connected = n.sql_running = true;
    n.lag_seconds = 0.0;
    n.healthy = true;
  }
  n.gtid_binlog_pos = std::move(binlog_pos);
  n.gtid_binlog_state = std::move(binlog_state);
  return n;
}

ClusterHealth three(bool semi_sync = true) {
  ClusterHealth h;
  h.nodes = {node("a:1", true), node("b:1", false, "a:1"), node("c:1", false, "a:1")};
  h.nodes[0].semi_sync_master = semi_sync;
  h.nodes[0].semi_sync_clients = 2;
  return h;
}

TEST(Roles, TheWritableServerIsThePrimary) {
  auto h = three();
  assign_roles(h, std::nullopt);
  EXPECT_EQ(h.primary, 0u);
  EXPECT_TRUE(h.writes_refused.empty()) << h.writes_refused;
  EXPECT_TRUE(h.nodes[1].healthy);
  // After a failover the writable server is c, whatever the configuration says.
  h.nodes[0].writable = false;
  h.nodes[2] = node("c:1", true);
  h.nodes[2].semi_sync_master = true;
  h.nodes[1].master = "c:1";
  assign_roles(h, 0);
  EXPECT_EQ(h.primary, 2u);
  EXPECT_FALSE(h.nodes[0].healthy) << "not replicating from the primary: no reads";
}

TEST(Roles, NoReplicaAcknowledgingRefusesWrites) {
  auto h = three();
  h.nodes[0].semi_sync_clients = 0;
  assign_roles(h, std::nullopt);
  EXPECT_NE(h.writes_refused.find("no replica acknowledges"), std::string::npos);
  EXPECT_TRUE(h.writes_wait) << "reachable replicas may be connecting: wait a moment";
  // The primary's count lags a replica cut off silently: seen from here counts too.
  h = three();
  h.nodes[1].up = h.nodes[2].up = false;
  assign_roles(h, std::nullopt);
  EXPECT_FALSE(h.writes_refused.empty());
  EXPECT_FALSE(h.writes_wait) << "no replica reachable: nothing to wait for";
  // Without semi-sync there is nothing to wait for.
  h = three(false);
  h.nodes[1].up = h.nodes[2].up = false;
  assign_roles(h, std::nullopt);
  EXPECT_TRUE(h.writes_refused.empty());
}

TEST(Roles, APrimaryGoneLeavesReadsToEveryReachableReplica) {
  auto h = three();
  h.nodes[0].up = false;
  h.nodes[1].healthy = false;  // lagging past the limit, say
  h.nodes[1].lag_seconds = 40.0;
  assign_roles(h, 0);
  EXPECT_EQ(h.primary, 0u) << "the lost primary stays named";
  EXPECT_FALSE(h.writes_refused.empty());
  EXPECT_FALSE(h.writes_wait) << "unreachable: fail at once";
  EXPECT_TRUE(h.nodes[1].healthy);
  EXPECT_TRUE(h.nodes[2].healthy);
}

TEST(Roles, AReadOnlyPrimaryMakesWritesWait) {
  auto h = three();
  h.nodes[0].writable = false;  // a switchover under way
  assign_roles(h, 0);
  EXPECT_FALSE(h.writes_refused.empty());
  EXPECT_TRUE(h.writes_wait);
}

TEST(Roles, TwoWritableServersThePrimaryIsTheOneFollowed) {
  auto h = three();
  h.nodes[2] = node("c:1", true);  // an old primary back from a partition
  h.nodes[1].master = "a:1";
  assign_roles(h, 2);
  EXPECT_EQ(h.primary, 0u);
}

TEST(Roles, AQuarantinedServerNeitherLeadsNorServes) {
  auto h = three();
  h.quarantined = {"", "holds 0-1-9", ""};
  assign_roles(h, std::nullopt);
  EXPECT_FALSE(h.nodes[1].healthy);
  EXPECT_NE(h.nodes[1].reason.find("quarantined"), std::string::npos);
}

TEST(Roles, HistoryIncludedOnlyWhenNothingIsForeign) {
  std::string why;
  auto primary = node("b:1", true, "", "0-2-150", "0-1-102,0-2-150");
  // The old primary stopped at 0-1-102, which the new one has: it may rejoin.
  EXPECT_TRUE(history_included(node("a:1", false, "", "0-1-102"), primary, why));
  // It wrote 0-1-103 that nobody received: quarantined.
  EXPECT_FALSE(history_included(node("a:1", false, "", "0-1-103"), primary, why));
  EXPECT_NE(why.find("0-1-103"), std::string::npos);
  // A replica of the new primary that applied up to 0-2-120.
  EXPECT_TRUE(history_included(node("c:1", false, "b:1", "0-2-120"), primary, why));
  // A fresh server holds nothing.
  EXPECT_TRUE(history_included(node("d:1", false), primary, why));
}

TEST(Roles, ReceivedPositionIsTheLatestOfAll) {
  ServerHealth n;
  n.gtid_io_pos = "0-1-10";
  n.gtid_slave_pos = "0-1-8";
  n.gtid_binlog_pos = "0-1-8,1-3-4";
  auto p = received_position(n);
  EXPECT_TRUE(includes(p, *parse_gtid_pos("0-1-10,1-3-4")));
  EXPECT_FALSE(includes(p, *parse_gtid_pos("0-1-11")));
}

}  // namespace
}  // namespace foobar::db
