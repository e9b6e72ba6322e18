// /metrics of the real roles: a `foobar web` behind a `foobar lb`. Every
// scrape passes `promtool check metrics` (Prometheus's own linter), every
// series is there at 0 before the first request, and the counters move by
// exactly the requests sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>
#include <sstream>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/metrics_text.hpp"
#include "support/process.hpp"

using namespace foobar::test;
namespace fs = std::filesystem;

namespace {

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "index.html") << "<html>metrics</html>\n";
    web_ = std::make_unique<Process>(std::vector<std::string>{foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin",
                                                              "127.0.0.1:0", "--root", dir_.path().string(), "--threads",
                                                              "2", "--access-log", "off"});
    web_port_ = web_->wait_port("web");
    web_admin_ = web_->wait_port("admin");
    // TCP health checks: no HTTP request reaches the web server but ours.
    lb_ = std::make_unique<Process>(std::vector<std::string>{
        foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--threads", "2", "--health-check",
        "tcp", "--backend", "127.0.0.1:" + std::to_string(web_port_)});
    lb_port_ = lb_->wait_port("lb");
    lb_admin_ = lb_->wait_port("admin");
  }

  static std::string scrape(int admin) {
    auto r = http_get(admin, "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }
  // promtool's verdict on a scrape ("" when clean).
  std::string lint(const std::string& text) {
    const auto file = dir_ / "scrape.txt";
    std::ofstream(file) << text;
    int status = 0;
    auto out = run("promtool check metrics < " + file.string() + " 2>&1", &status);
    return status == 0 ? "" : out;
  }

  TempDir dir_;
  std::unique_ptr<Process> web_, lb_;
  int web_port_ = 0, web_admin_ = 0, lb_port_ = 0, lb_admin_ = 0;
};

}  // namespace

TEST_F(Metrics, EveryRoleExportsLintCleanSeriesAtZero) {
  if (run("command -v promtool").empty()) GTEST_SKIP() << "promtool missing (make deps installs prometheus)";
  for (int admin : {web_admin_, lb_admin_}) {
    const auto text = scrape(admin);
    EXPECT_EQ(lint(text), "") << text;
    auto s = samples(text);
    const std::string role = admin == web_admin_ ? "web" : "lb";
    EXPECT_EQ(s.at("foobar_build_info{role=\"" + role + "\",version=\"0.1.0\"}"), 1);
    for (const char* code : {"1xx", "2xx", "3xx", "4xx", "5xx"})
      EXPECT_EQ(s.at("foobar_http_requests_total{role=\"" + role + "\",code=\"" + code + "\"}"), 0);
    EXPECT_EQ(s.at("foobar_http_request_duration_seconds_count{role=\"" + role + "\"}"), 0);
    EXPECT_EQ(s.at("foobar_http_request_duration_seconds_bucket{role=\"" + role + "\",le=\"0.3\"}"), 0);
    EXPECT_GT(s.at("process_resident_memory_bytes"), 0);
    EXPECT_GT(s.at("process_open_fds"), 0);
  }
}

TEST_F(Metrics, CountersMoveByExactlyTheRequestsSent) {
  const auto web0 = samples(scrape(web_admin_)), lb0 = samples(scrape(lb_admin_));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http_get(lb_port_, "/").status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(http_get(lb_port_, "/missing").status, 404);
  const auto web1 = samples(scrape(web_admin_)), lb1 = samples(scrape(lb_admin_));
  auto delta = [](const auto& a, const auto& b, const std::string& k) { return b.at(k) - a.at(k); };
  for (const auto& [role, before, after] : {std::tuple{"web", web0, web1}, std::tuple{"lb", lb0, lb1}}) {
    const std::string r = role;
    EXPECT_EQ(delta(before, after, "foobar_http_requests_total{role=\"" + r + "\",code=\"2xx\"}"), 3) << r;
    EXPECT_EQ(delta(before, after, "foobar_http_requests_total{role=\"" + r + "\",code=\"4xx\"}"), 2) << r;
    EXPECT_EQ(delta(before, after, "foobar_http_requests_total{role=\"" + r + "\",code=\"5xx\"}"), 0) << r;
    EXPECT_EQ(delta(before, after, "foobar_http_request_duration_seconds_count{role=\"" + r + "\"}"), 5) << r;
    EXPECT_EQ(delta(before, after, "foobar_http_request_duration_seconds_bucket{role=\"" + r + "\",le=\"+Inf\"}"), 5);
  }
  // The admin listener's own requests (these scrapes) are not the role's.
  const std::string backend = "{backend=\"127.0.0.1:" + std::to_string(web_port_) + "\"}";
  auto lb_delta = [&](const std::string& name) { return delta(lb0, lb1, name + backend); };
  EXPECT_EQ(lb_delta("foobar_lb_backend_requests_total"), 5);
  EXPECT_EQ(lb_delta("foobar_lb_backend_response_time_seconds_count"), 5);
  EXPECT_EQ(lb_delta("foobar_lb_backend_errors_total"), 0);
  EXPECT_EQ(delta(lb0, lb1, "foobar_lb_backend_responses_total{backend=\"127.0.0.1:" + std::to_string(web_port_) +
                                "\",code=\"4xx\"}"),
            2);
  EXPECT_EQ(delta(lb0, lb1, "foobar_lb_responses_total{code=\"2xx\"}"), 3);
  EXPECT_EQ(delta(lb0, lb1, "foobar_lb_request_duration_seconds_count"), 5);
  // Bytes each way: the bodies the web server sent (its 404 page's size from a
  // direct request), and at least the request lines the lb sent.
  const auto page = http_get(web_port_, "/").body.size(), missing = http_get(web_port_, "/missing").body.size();
  EXPECT_EQ(lb_delta("foobar_lb_backend_received_bytes_total"), static_cast<double>(3 * page + 2 * missing));
  EXPECT_GE(lb_delta("foobar_lb_backend_sent_bytes_total"), 3 * std::string("GET / HTTP/1.1\r\n").size());
  EXPECT_EQ(lb1.at("foobar_lb_backend_state{backend=\"127.0.0.1:" + std::to_string(web_port_) + "\",state=\"up\"}"), 1);
  EXPECT_EQ(lb1.at("foobar_lb_backend_state{backend=\"127.0.0.1:" + std::to_string(web_port_) + "\",state=\"down\"}"), 0);
  EXPECT_EQ(lb1.at("foobar_lb_backend_transitions_total" + backend), 0);
  // The web server's static part: 3 files served, 2 misses.
  EXPECT_EQ(delta(web0, web1, "foobar_web_static_hits_total"), 3);
  EXPECT_EQ(delta(web0, web1, "foobar_web_static_misses_total"), 2);
  EXPECT_EQ(delta(web0, web1, "foobar_web_static_sent_bytes_total"), static_cast<double>(3 * page));
}

TEST_F(Metrics, StaticRevalidationsAreCountedAsNotModified) {
  const auto etag = http_get(web_port_, "/").header("ETag");
  ASSERT_FALSE(etag.empty());
  const auto before = samples(scrape(web_admin_));
  ASSERT_EQ(http_get(web_port_, "/", {"If-None-Match: " + etag}).status, 304);
  const auto after = samples(scrape(web_admin_));
  EXPECT_EQ(after.at("foobar_web_static_not_modified_total") - before.at("foobar_web_static_not_modified_total"), 1);
  EXPECT_EQ(after.at("foobar_web_static_hits_total"), before.at("foobar_web_static_hits_total"));
  EXPECT_EQ(after.at("foobar_web_static_sent_bytes_total"), before.at("foobar_web_static_sent_bytes_total"));
}

// Asked as Prometheus asks, every role answers OpenMetrics; a request's
// trace id is the exemplar of the bucket its duration fell in, at the lb and
// at the web server behind it (the lb passes the traceparent on).
TEST_F(Metrics, OpenMetricsScrapesLinkLatencyToTraces) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  ASSERT_EQ(http_get(lb_port_, "/", {"traceparent: 00-" + trace + "-00f067aa0ba902b7-01"}).status, 200);
  for (int admin : {lb_admin_, web_admin_}) {
    auto r = http_get(admin, "/metrics",
                      {"Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                       "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
    EXPECT_TRUE(r.body.ends_with("\n# EOF\n"));
    EXPECT_NE(r.body.find("# TYPE foobar_http_requests counter\n"), std::string::npos);
    const std::regex exemplar("\nfoobar_http_request_duration_seconds_bucket\\{role=\"(lb|web)\",le=\"[^\"]+\"\\} 1 # "
                              "\\{trace_id=\"" + trace + "\"\\} [0-9.e-]+ [0-9]+\\.[0-9]{3}\n");
    EXPECT_TRUE(std::regex_search(r.body, exemplar)) << r.body;
  }
}

// A backend that refuses connections: the request moves to the other one
// (a redispatch, booked on the one that failed) and succeeds.
TEST_F(Metrics, RedispatchesAreBookedOnTheBackendThatFailed) {
  const int dead = free_port();
  Process lb({foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--threads", "1",
              "--health-check", "tcp", "--health-interval-ms", "60000", "--backend", "127.0.0.1:" + std::to_string(dead),
              "--backend", "127.0.0.1:" + std::to_string(web_port_)});
  const int port = lb.wait_port("lb"), admin = lb.wait_port("admin");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(http_get(port, "/").status, 200);
  const auto s = samples(scrape(admin));
  auto at = [&](const std::string& name, int backend) {
    return s.at(name + "{backend=\"127.0.0.1:" + std::to_string(backend) + "\"}");
  };
  EXPECT_GE(at("foobar_lb_backend_redispatches_total", dead), 1);
  EXPECT_EQ(at("foobar_lb_backend_redispatches_total", dead), at("foobar_lb_backend_errors_total", dead));
  EXPECT_EQ(at("foobar_lb_backend_redispatches_total", web_port_), 0);
  EXPECT_EQ(at("foobar_lb_backend_retries_total", dead), 0);
  EXPECT_EQ(at("foobar_lb_backend_requests_total", web_port_), 4);
}

// A backend that dies: its state series, failed checks, transition and
// downtime move; and they come back when it does.
TEST_F(Metrics, BackendHistoryFollowsItsHealth) {
  const std::string backend = "{backend=\"127.0.0.1:" + std::to_string(web_port_) + "\"";
  auto now = [&] { return samples(scrape(lb_admin_)); };
  web_->stop();
  ASSERT_TRUE(eventually([&] { return now().at("foobar_lb_backend_state" + backend + ",state=\"down\"}") == 1; }, 15s,
                         50ms));
  auto down = now();
  EXPECT_EQ(down.at("foobar_lb_backend_state" + backend + ",state=\"up\"}"), 0);
  EXPECT_EQ(down.at("foobar_lb_backend_transitions_total" + backend + "}"), 1);
  EXPECT_GE(down.at("foobar_lb_backend_check_failures_total" + backend + "}"), 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(now().at("foobar_lb_backend_downtime_seconds_total" + backend + "}"),
            down.at("foobar_lb_backend_downtime_seconds_total" + backend + "}"));
}

TEST_F(Metrics, ConnectionsAreCountedActiveOrIdle) {
  auto idle = [&] { return samples(scrape(lb_admin_)).at("foobar_connections{role=\"lb\",state=\"idle\"}"); };
  ASSERT_EQ(idle(), 0);
  {
    HttpConnection c(lb_port_);  // open, no request yet: idle
    ASSERT_TRUE(eventually([&] { return idle() == 1; }, 5s, 20ms));
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(c.read_response().status, 200);
    EXPECT_EQ(idle(), 1);  // kept alive between requests
    EXPECT_EQ(samples(scrape(lb_admin_)).at("foobar_connections{role=\"lb\",state=\"active\"}"), 0);
  }
  EXPECT_TRUE(eventually([&] { return idle() == 0; }, 5s, 20ms));
}
