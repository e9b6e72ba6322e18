// foobar lb: balancing algorithms and active-passive failover, with real
// processes (fake backends are this binary re-executed; see lb_fixture.hpp).
#include <future>
#include <set>

#include "lb_fixture.hpp"

using namespace lbtest;

TEST(LbBalance, RoundRobinIsFairWithinOne) {
  Backend a("a"), b("b"), c("c");
  Lb lb(Lb::backends({&a, &b, &c}));
  std::map<std::string, int> n;
  for (int i = 0; i < 31; ++i) ++n[get_body(lb.port)];
  ASSERT_EQ(n.size(), 3u) << "every backend must get requests";
  for (auto& [k, v] : n) {
    EXPECT_GE(v, 10) << k;
    EXPECT_LE(v, 11) << k;
  }
  // Keep-alive requests from one client rotate too (balancing is per request).
  foobar::test::HttpConnection conn(lb.port);
  std::vector<std::string> seq;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(conn.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = conn.read_response();
    ASSERT_EQ(r.status, 200);
    seq.push_back(r.body);
  }
  EXPECT_EQ(std::set<std::string>(seq.begin(), seq.begin() + 3).size(), 3u);
  EXPECT_EQ(seq[0], seq[3]);
}

TEST(LbBalance, WeightsFromConfigFile) {
  Backend a("a"), b("b");
  TempDir dir;
  {
    std::ofstream f(dir / "lb.toml");
    f << "[lb]\nbalance = \"roundrobin\"\nbackends = [\n"
      << "  { address = \"" << a.addr() << "\", weight = 3 },\n"
      << "  { address = \"" << b.addr() << "\", weight = 1 },\n]\n";
  }
  Lb lb({"--config", (dir / "lb.toml").string()});
  std::map<std::string, int> n;
  for (int i = 0; i < 40; ++i) ++n[get_body(lb.port)];
  EXPECT_EQ(n["a\n"], 30);
  EXPECT_EQ(n["b\n"], 10);
}

TEST(LbBalance, ConfigErrorsNameFileLineAndKey) {
  TempDir dir;
  {
    std::ofstream f(dir / "lb.toml");
    f << "[lb]\nbalance = \"roundrobin\"\nbackends = [\n  { address = \"127.0.0.1:1\", weight = \"heavy\" },\n]\n";
  }
  Process p({foobar::test::foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--config", (dir / "lb.toml").string()});
  auto code = p.wait_exit(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(p.output().find("lb.toml:4: key 'lb.backends"), std::string::npos) << p.output();
  EXPECT_NE(p.output().find("weight"), std::string::npos) << p.output();
}

TEST(LbBalance, LeastConnAvoidsBusyBackend) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}) + std::vector<std::string>{"--balance", "leastconn"});
  auto slow = std::async(std::launch::async, [&] { return get_body(lb.port, "/slow?ms=1500"); });
  // Wait until the slow request is in flight at one backend.
  std::string busy;
  for (int i = 0; i < 100 && busy.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    if (a.count("/slow")) busy = "a\n";
    if (b.count("/slow")) busy = "b\n";
  }
  ASSERT_FALSE(busy.empty());
  for (int i = 0; i < 10; ++i) EXPECT_NE(get_body(lb.port), busy) << "request " << i;
  EXPECT_EQ(slow.get(), busy);
}

TEST(LbBalance, SourceIsStickyAndRemapsOnlyTheLostBackendsClients) {
  Backend a("a"), b("b"), c("c");
  Lb lb(Lb::backends({&a, &b, &c}) + std::vector<std::string>{"--balance", "source"});
  std::map<std::string, std::string> before;
  std::set<std::string> used;
  for (int i = 2; i < 32; ++i) {
    const std::string ip = "127.0.0." + std::to_string(i);
    before[ip] = get_from(lb.port, ip);
    used.insert(before[ip]);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(get_from(lb.port, ip), before[ip]) << ip;
  }
  EXPECT_EQ(used.size(), 3u) << "30 clients should spread over 3 backends";
  ASSERT_EQ(lb.post("/backends/" + b.addr() + "/disable"), 200);
  int moved = 0;
  for (auto& [ip, was] : before) {
    auto now = get_from(lb.port, ip);
    if (was == "b\n") {
      EXPECT_NE(now, "b\n");
      ++moved;
    } else {
      EXPECT_EQ(now, was) << ip << " moved although its backend stayed";
    }
  }
  EXPECT_GT(moved, 0);
}

TEST(LbBalance, RandomUsesEveryBackend) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}) + std::vector<std::string>{"--balance", "random"});
  std::map<std::string, int> n;
  for (int i = 0; i < 40; ++i) ++n[get_body(lb.port)];
  EXPECT_GT(n["a\n"], 5);
  EXPECT_GT(n["b\n"], 5);
}

TEST(LbBalance, BackupTakesOverOnlyWhenAllPrimariesAreDownAndGivesBack) {
  Backend a("a"), b("b"), spare("spare");
  auto args = Lb::backends({&a, &b}) + Lb::backends({&spare}, "--backup") +
              std::vector<std::string>{"--health-interval-ms", "100", "--rise", "2", "--fall", "2"};
  Lb lb(args);
  for (int i = 0; i < 10; ++i) EXPECT_NE(get_body(lb.port), "spare\n");
  a.kill();
  ASSERT_TRUE(lb.wait_state(a, "down"));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "b\n") << "one primary left: no backup yet";
  b.kill();
  ASSERT_TRUE(lb.wait_state(b, "down"));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "spare\n");
  a.restart();
  ASSERT_TRUE(lb.wait_state(a, "up"));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "a\n") << "a primary is back: the backup hands over";
}
