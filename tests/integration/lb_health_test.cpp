// foobar lb: health checks (active and passive), the admin API and pages.
#include <future>

#include "lb_fixture.hpp"

using namespace lbtest;

TEST(LbHealth, KilledBackendIsMarkedDownThenRecoversAfterRise) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}) +
        std::vector<std::string>{"--health-interval-ms", "100", "--rise", "3", "--fall", "2"});
  ASSERT_TRUE(lb.wait_state(a, "up"));
  a.kill();
  ASSERT_TRUE(lb.wait_state(a, "down", 5s));
  auto st = lb.backend_stats(a);
  EXPECT_EQ(st["healthy"], false);
  EXPECT_NE(st["check"].get<std::string>().find("connect"), std::string::npos) << st.dump();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "b\n");
  const auto t0 = std::chrono::steady_clock::now();
  a.restart();
  ASSERT_TRUE(lb.wait_state(a, "up", 5s));
  // rise 3 at 100 ms: not before ~200 ms after the first successful check.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  std::map<std::string, int> n;
  for (int i = 0; i < 10; ++i) ++n[get_body(lb.port)];
  EXPECT_EQ(n["a\n"], 5);
  EXPECT_EQ(n["b\n"], 5);
}

TEST(LbHealth, HttpCheckExpects2xxOr3xx) {
  Backend a("a"), b("b");
  // a answers /status?code=500 to the check path: never healthy; b answers 200.
  Lb lb({"--backend", a.addr(), "--backend", b.addr(), "--health-check", "http:/status?code=204",
         "--health-interval-ms", "100", "--fall", "1"});
  EXPECT_TRUE(lb.wait_state(a, "up"));
  // A backend starts up: wait for the first check's verdict (late on a loaded machine).
  (void)foobar::test::eventually([&] { return lb.backend_stats(a)["check"] != "none yet"; }, 5s, 20ms);
  EXPECT_GT(a.count("/status?code=204"), 0);
  EXPECT_EQ(lb.backend_stats(a)["check"], "HTTP 204");
  Lb bad({"--backend", a.addr(), "--backend", b.addr(), "--health-check", "http:/status?code=500",
          "--health-interval-ms", "100", "--fall", "1"});
  EXPECT_TRUE(bad.wait_state(a, "down"));
  EXPECT_TRUE(bad.wait_state(b, "down"));
  auto r = foobar::test::http_get(bad.port, "/");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
}

TEST(LbHealth, PassiveFailuresTakeABackendOutWithoutActiveChecks) {
  Backend a("a"), b("b");
  Lb lb({"--backend", a.addr(), "--backend", b.addr(), "--health-check", "tcp", "--health-interval-ms", "60000"});
  ASSERT_TRUE(lb.wait_state(a, "up"));
  a.kill();
  // Every request still succeeds (connect failures are redispatched), and after
  // 3 failed connects a is out of rotation until checks bring it back.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(get_body(lb.port), "b\n") << i;
  EXPECT_TRUE(lb.wait_state(a, "down", 1s));
}

TEST(LbAdmin, DrainDisableEnable) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}));
  // Drain a while one request is in flight on it: it finishes, new ones avoid a.
  std::future<std::string> slow;
  for (int i = 0; i < 2; ++i) {
    auto f = std::async(std::launch::async, [&] { return get_body(lb.port, "/slow?ms=800"); });
    std::this_thread::sleep_for(100ms);
    if (a.count("/slow") && !slow.valid()) slow = std::move(f);
    else f.get();
  }
  ASSERT_TRUE(slow.valid());
  EXPECT_EQ(lb.post("/backends/" + a.addr() + "/drain"), 200);
  EXPECT_EQ(lb.backend_stats(a)["state"], "draining");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "b\n");
  EXPECT_EQ(slow.get(), "a\n") << "the in-flight request on the drained backend must finish";

  EXPECT_EQ(lb.post("/backends/" + a.addr() + "/enable"), 200);
  std::map<std::string, int> n;
  for (int i = 0; i < 6; ++i) ++n[get_body(lb.port)];
  EXPECT_EQ(n["a\n"], 3);

  EXPECT_EQ(lb.post("/backends/" + b.addr() + "/disable"), 200);
  EXPECT_EQ(lb.backend_stats(b)["state"], "disabled");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(lb.port), "a\n");
  EXPECT_EQ(lb.post("/backends/" + a.addr() + "/disable"), 200);
  auto r = foobar::test::http_get(lb.port, "/");
  EXPECT_EQ(r.status, 503) << "every backend disabled";
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(lb.post("/backends/" + b.addr() + "/enable"), 200);
  EXPECT_EQ(get_body(lb.port), "b\n");

  EXPECT_EQ(lb.post("/backends/127.0.0.1:1/enable"), 404);
  EXPECT_EQ(lb.post("/backends/" + a.addr() + "/explode"), 404);
  EXPECT_EQ(foobar::test::http_get(lb.admin, "/backends/" + a.addr() + "/enable").status, 405);
}

TEST(LbAdmin, StatsPagesAndMetrics) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}));
  for (int i = 0; i < 4; ++i) get_body(lb.port);
  get_body(lb.port, "/status?code=404");

  auto html = foobar::test::http_get(lb.admin, "/stats");
  EXPECT_EQ(html.status, 200);
  EXPECT_NE(html.header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(html.body.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(html.body.find(a.addr()), std::string::npos);
  EXPECT_NE(html.body.find(b.addr()), std::string::npos);

  auto j = nlohmann::json::parse(lb.stats());
  ASSERT_EQ(j["backends"].size(), 2u);
  std::uint64_t total = 0;
  for (auto& x : j["backends"]) {
    total += x["requests"].get<std::uint64_t>();
    EXPECT_EQ(x["state"], "up");
    EXPECT_EQ(x["weight"], 1);
    EXPECT_TRUE(x.contains("check"));
    EXPECT_TRUE(x.contains("last_change"));
    EXPECT_TRUE(x.contains("active"));
  }
  EXPECT_EQ(total, 5u);

  auto m = foobar::test::http_get(lb.admin, "/metrics");
  EXPECT_EQ(m.status, 200);
  for (const auto& needle :
       {"foobar_lb_backend_requests_total{backend=\"" + a.addr() + "\"} ",
        "foobar_lb_backend_up{backend=\"" + b.addr() + "\"} 1",
        std::string("foobar_lb_responses_total{code=\"2xx\"} 4"),
        std::string("foobar_lb_responses_total{code=\"4xx\"} 1"),
        std::string("# TYPE foobar_lb_request_duration_seconds histogram"),
        std::string("foobar_lb_request_duration_seconds_bucket{le=\"+Inf\"} 5"),
        std::string("foobar_lb_request_duration_seconds_count 5")})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle << "\n" << m.body;
}
