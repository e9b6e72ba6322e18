// The lb and two web servers on hosts of their own (network namespaces on one
// LAN), a client on a fourth. A cut link is the failure a SIGKILL cannot show:
// the server vanishes without a RST, so only timeouts and health checks notice.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/lan.hpp"
#include "support/process.hpp"

namespace foobar::test {
namespace {

using Clock = std::chrono::steady_clock;

class LbWebHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lan::unavailable(); !why.empty()) GTEST_SKIP() << why;
    lan_ = std::make_unique<Lan>(std::vector<std::string>{"client", "lb", "web1", "web2"});
    std::vector<std::string> backends;
    for (const std::string w : {"web1", "web2"}) {
      std::filesystem::create_directories(dir_ / w);
      std::ofstream(dir_ / w / "host.txt") << w;  // each web host names itself
      webs_.push_back(std::make_unique<Process>(lan_->exec(w, {foobar_bin(), "web", "--listen", lan_->address(w) + ":0",
                                                               "--root", (dir_ / w).string(), "--threads", "1",
                                                               "--access-log", "off"})));
      backends.insert(backends.end(), {"--backend", lan_->address(w) + ":" + std::to_string(webs_.back()->wait_port("web"))});
    }
    // Short timeouts so the test takes seconds: a dead link is noticed by a
    // connect timeout (300 ms), a server timeout (1 s) or two failed checks.
    std::vector<std::string> lb{foobar_bin(), "lb", "--listen", lan_->address("lb") + ":0", "--admin", "127.0.0.1:0",
                                "--threads", "1", "--health-interval-ms", "200", "--health-timeout-ms", "200", "--fall",
                                "2", "--rise", "2", "--connect-timeout-ms", "300", "--server-timeout-ms", "1000"};
    lb.insert(lb.end(), backends.begin(), backends.end());
    lb_ = std::make_unique<Process>(lan_->exec("lb", lb));
    port_ = lb_->wait_port("lb");
    admin_ = lb_->wait_port("admin");
    backend_of_["web1"] = backends[1];
    backend_of_["web2"] = backends[3];
    ASSERT_TRUE(wait_state("web1", "up", 5s) && wait_state("web2", "up", 5s)) << lb_->output();
  }

  // The lb's view of a web host ("up", "down", ...), read from its admin listener.
  std::string state(const std::string& web) const {
    std::string body;
    lan_->run_in("lb", [&] { body = http_get(admin_, "/stats.json").body; });
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return "";
    for (auto& b : j["backends"])
      if (b["backend"] == backend_of_.at(web)) return b["state"];
    return "";
  }
  bool wait_state(const std::string& web, const std::string& want, std::chrono::milliseconds timeout) const {
    return eventually([&] { return state(web) == want; }, timeout, 50ms);
  }

  struct Outcome {
    int status;
    std::string host;
    std::chrono::milliseconds took;
    Clock::time_point at;
  };
  // Sequential keep-alive GETs from the client host until stop (bounded: 200,000 requests).
  std::vector<Outcome> load(const std::atomic<bool>& stop) const {
    std::vector<Outcome> out;
    lan_->run_in("client", [&] {
      std::unique_ptr<HttpConnection> conn;
      for (int i = 0; i < 200000 && !stop; ++i) {
        const auto t0 = Clock::now();
        if (!conn) conn = std::make_unique<HttpConnection>(lan_->address("lb"), port_);
        HttpResponse r;
        if (conn->send("GET /host.txt HTTP/1.1\r\nHost: www.foobar.com\r\n\r\n")) r = conn->read_response();
        const auto t1 = Clock::now();
        out.push_back({r.status, r.body, std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0), t1});
        if (r.status != 200 || r.closed) conn.reset();
      }
    });
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Lan> lan_;
  std::vector<std::unique_ptr<Process>> webs_;
  std::unique_ptr<Process> lb_;
  int port_ = 0, admin_ = 0;
  std::map<std::string, std::string> backend_of_;  // host -> "--backend" value
};

}  // namespace

TEST_F(LbWebHosts, RoundRobinAcrossHosts) {
  std::map<std::string, int> served;
  lan_->run_in("client", [&] {
    HttpConnection c(lan_->address("lb"), port_);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c.send("GET /host.txt HTTP/1.1\r\nHost: www.foobar.com\r\n\r\n"));
      auto r = c.read_response();
      ASSERT_EQ(r.status, 200);
      ++served[r.body];
    }
  });
  EXPECT_EQ(served["web1"], 10);
  EXPECT_EQ(served["web2"], 10);
}

TEST_F(LbWebHosts, CutLinkIsDetectedAndTrafficFailsOver) {
  std::atomic<bool> stop{false};
  std::vector<Outcome> results;
  std::thread client([&] { results = load(stop); });

  std::this_thread::sleep_for(500ms);
  const auto cut_at = Clock::now();
  lan_->cut("web2");
  const bool went_down = wait_state("web2", "down", 3s);
  const auto down_at = Clock::now();
  std::this_thread::sleep_for(700ms);
  lan_->restore("web2");
  const bool came_back = wait_state("web2", "up", 3s);
  const auto up_at = Clock::now();
  std::this_thread::sleep_for(500ms);
  stop = true;
  client.join();

  EXPECT_TRUE(went_down) << "web2 still " << state("web2") << " 3 s after its link was cut";
  EXPECT_TRUE(came_back) << "web2 still " << state("web2") << " 3 s after its link came back";
  ASSERT_GT(results.size(), 100u);
  int failed = 0, web2_while_down = 0, web2_after = 0;
  std::chrono::milliseconds slowest{0};
  for (const auto& o : results) {
    slowest = std::max(slowest, o.took);
    if (o.status != 200) {
      ++failed;
      // Only a request already sent to web2 when its link went can fail, and it
      // is answered when the server timeout runs out: never a hang.
      EXPECT_EQ(o.status, 504) << "at +" << std::chrono::duration_cast<std::chrono::milliseconds>(o.at - cut_at).count() << " ms";
      EXPECT_GE(o.took, 900ms);
    }
    if (o.status == 200 && o.host == "web2" && o.at > down_at && o.at < up_at - 100ms) ++web2_while_down;
    if (o.status == 200 && o.host == "web2" && o.at > up_at) ++web2_after;
  }
  std::cout << results.size() << " requests, " << failed << " failed, slowest " << slowest.count() << " ms; web2 down "
            << std::chrono::duration_cast<std::chrono::milliseconds>(down_at - cut_at).count() << " ms after the cut\n";
  EXPECT_LE(failed, 1) << "requests that failed around the cut";
  EXPECT_LT(slowest, 2500ms) << "slowest request (server timeout 1 s, connect timeout 300 ms)";
  EXPECT_EQ(web2_while_down, 0) << "answers from a host the lb marked down";
  EXPECT_GT(web2_after, 0) << "web2 took no traffic after it came back";
}

}  // namespace foobar::test
