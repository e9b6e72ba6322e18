#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "proxy/health_state.hpp"
#include "proxy/route_spec.hpp"
#include "proxy/upstream.hpp"

using namespace foobar::proxy;

namespace {
// Server "NAME" on port: the names stand for 127.0.0.x hosts, the test only counts them.
ServerConfig srv(const char* name, unsigned port, unsigned weight = 1, bool backup = false) {
  ServerConfig s;
  s.address = foobar::net::Address::parse_or_throw("127.0.0." + std::to_string(name[0] - 'a' + 1) + ":" +
                                                       std::to_string(port),
                                                   foobar::net::Address::Use::Connect);
  s.weight = weight;
  s.backup = backup;
  return s;
}
}  // namespace

TEST(HealthState, FallThenRise) {
  HealthState h(2, 3);
  EXPECT_TRUE(h.up());
  EXPECT_FALSE(h.on_check(false));
  EXPECT_FALSE(h.on_check(false));
  EXPECT_FALSE(h.on_check(true));  // success resets the failure run: still up, no change
  EXPECT_TRUE(h.up());
  EXPECT_FALSE(h.on_check(false));
  EXPECT_FALSE(h.on_check(false));
  EXPECT_TRUE(h.on_check(false));  // third in a row: down
  EXPECT_FALSE(h.up());
  EXPECT_FALSE(h.on_check(false));
  EXPECT_FALSE(h.on_check(true));
  EXPECT_FALSE(h.on_check(false));  // failure resets the success run
  EXPECT_FALSE(h.on_check(true));
  EXPECT_FALSE(h.up());
  EXPECT_TRUE(h.on_check(true));    // second in a row: up
  EXPECT_TRUE(h.up());
}

TEST(HealthState, ForceDownNeedsRiseToRecover) {
  HealthState h(3, 1);
  EXPECT_TRUE(h.force_down());
  EXPECT_FALSE(h.force_down());
  EXPECT_FALSE(h.on_check(true));
  EXPECT_FALSE(h.on_check(true));
  EXPECT_TRUE(h.on_check(true));
  EXPECT_TRUE(h.up());
  EXPECT_TRUE(h.on_check(false));  // fall 1
}

namespace {
std::vector<ServerConfig> two_plus_backup() {
  return {srv("a", 1), srv("b", 2), srv("c", 3, 1, true)};
}
}  // namespace

TEST(UpstreamGroup, ActiveActiveUsesAllHealthyPrimaries) {
  UpstreamGroup g(two_plus_backup(), {.rise = 1, .fall = 1});
  auto s = g.snapshot();
  EXPECT_EQ(s->eligible, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_FALSE(s->using_backups);
  EXPECT_EQ(g.find("127.0.0.2:2"), 1);
  EXPECT_EQ(g.find("x:2"), -1);
}

TEST(UpstreamGroup, BackupTakesOverOnlyWhenAllPrimariesDownAndGivesBack) {
  UpstreamGroup g(two_plus_backup(), {.rise = 2, .fall = 1});
  g.report_check(0, false, "refused");
  EXPECT_EQ(g.snapshot()->eligible, (std::vector<std::uint32_t>{1}));
  g.report_check(1, false, "refused");
  auto s = g.snapshot();
  EXPECT_EQ(s->eligible, (std::vector<std::uint32_t>{2}));
  EXPECT_TRUE(s->using_backups);
  EXPECT_EQ(s->servers[0].state, ServerState::Down);
  EXPECT_EQ(s->servers[0].check, "refused");
  g.report_check(1, true, "ok");  // rise 2: not yet
  EXPECT_TRUE(g.snapshot()->using_backups);
  g.report_check(1, true, "ok");
  s = g.snapshot();
  EXPECT_EQ(s->eligible, (std::vector<std::uint32_t>{1}));
  EXPECT_FALSE(s->using_backups);
}

TEST(UpstreamGroup, BackupsServeWhenPrimariesDisabled) {
  UpstreamGroup g(two_plus_backup());
  g.set_admin(0, AdminState::Disabled);
  g.set_admin(1, AdminState::Draining);
  auto s = g.snapshot();
  EXPECT_EQ(s->eligible, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(s->servers[0].state, ServerState::Disabled);
  EXPECT_EQ(s->servers[1].state, ServerState::Draining);
  g.set_admin(1, AdminState::Enabled);
  EXPECT_EQ(g.snapshot()->eligible, (std::vector<std::uint32_t>{1}));
  EXPECT_FALSE(g.set_admin(7, AdminState::Enabled));
}

TEST(UpstreamGroup, NoServerLeftMeansEmptyEligible) {
  UpstreamGroup g({srv("a", 1), srv("b", 2)}, {.rise = 1, .fall = 1});
  g.report_check(0, false, "x");
  g.report_check(1, false, "x");
  EXPECT_TRUE(g.snapshot()->eligible.empty());
}

TEST(UpstreamGroup, PassiveFailuresMarkDownAndChecksBringBack) {
  UpstreamGroup g({srv("a", 1), srv("b", 2)}, {.rise = 2, .fall = 3, .passive_fall = 3});
  g.report_failure(0, "connect refused");
  g.report_failure(0, "connect refused");
  g.report_success(0);  // resets the run
  g.report_failure(0, "connect refused");
  g.report_failure(0, "connect refused");
  EXPECT_TRUE(g.snapshot()->servers[0].healthy);
  g.report_failure(0, "connect refused");
  auto s = g.snapshot();
  EXPECT_FALSE(s->servers[0].healthy);
  EXPECT_EQ(s->eligible, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(s->servers[0].check, "passive: connect refused");
  g.report_check(0, true, "ok");
  EXPECT_FALSE(g.snapshot()->servers[0].healthy);
  g.report_check(0, true, "ok");
  EXPECT_TRUE(g.snapshot()->servers[0].healthy);
}

// The history behind the check-failure, transition and downtime series.
TEST(UpstreamGroup, HistoryCountsFailedChecksTransitionsAndTimeDown) {
  UpstreamGroup g({srv("a", 1), srv("b", 2)}, {.rise = 2, .fall = 2, .passive_fall = 1});
  g.report_check(0, false, "refused");
  EXPECT_EQ(g.history(0).check_failures, 1u);
  EXPECT_EQ(g.history(0).transitions, 0u);
  EXPECT_EQ(g.history(0).downtime.count(), 0);
  g.report_check(0, false, "refused");  // down
  EXPECT_EQ(g.history(0).transitions, 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto while_down = g.history(0).downtime;
  EXPECT_GE(while_down, std::chrono::milliseconds(20));  // the current spell counts
  g.report_check(0, true, "ok");
  g.report_check(0, true, "ok");  // up again
  const auto after = g.history(0);
  EXPECT_EQ(after.transitions, 2u);
  EXPECT_EQ(after.check_failures, 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(g.history(0).downtime, after.downtime);  // stopped counting when it came back
  g.report_failure(1, "reset");  // passive failures flip it too, and are not failed checks
  EXPECT_EQ(g.history(1).transitions, 1u);
  EXPECT_EQ(g.history(1).check_failures, 0u);
}

TEST(UpstreamGroup, SnapshotIsImmutableAndCacheRefreshes) {
  UpstreamGroup g({srv("a", 1), srv("b", 2)}, {.rise = 1, .fall = 1});
  SnapshotCache cache(g);
  auto old = g.snapshot();
  EXPECT_EQ(cache.get().eligible.size(), 2u);
  g.report_check(0, false, "x");
  EXPECT_EQ(old->eligible.size(), 2u);  // readers holding the old one are unaffected
  EXPECT_EQ(cache.get().eligible.size(), 1u);
  EXPECT_GT(g.snapshot()->version, old->version);
}

TEST(UpstreamGroup, RejectsEmptyAndDuplicates) {
  EXPECT_THROW(UpstreamGroup({}), std::invalid_argument);
  EXPECT_THROW(UpstreamGroup({srv("a", 1), srv("a", 1)}), std::invalid_argument);
}

TEST(RouteSpec, ParsesServersAndRoutes) {
  auto s = parse_server("127.0.0.1:8080");
  EXPECT_EQ(s.address.host(), "127.0.0.1");
  EXPECT_EQ(s.address.port(), 8080);
  auto v6 = parse_server("[::1]:81");
  EXPECT_EQ(v6.address.host(), "::1");
  EXPECT_EQ(v6.address.port(), 81);
  EXPECT_EQ(v6.name(), "[::1]:81");
  EXPECT_EQ(parse_server("localhost:80").name(), "127.0.0.1:80");
  for (auto bad : {"host", ":80", "h:0", "h:70000", "h:8x", "[::1]80", "example.com:80"})
    EXPECT_THROW(parse_server(bad), std::invalid_argument) << bad;

  auto r = parse_proxy_route("/api/=127.0.0.1:1,127.0.0.1:2");
  EXPECT_EQ(r.prefix, "/api/");
  ASSERT_EQ(r.servers.size(), 2u);
  EXPECT_EQ(r.servers[1].name(), "127.0.0.1:2");
  for (auto bad : {"/api/", "api=h:1", "/api/=", "/api/=127.0.0.1:1,127.0.0.1:1", "/a=h"})
    EXPECT_THROW(parse_proxy_route(bad), std::invalid_argument) << bad;
}
