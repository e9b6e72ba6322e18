// foobar lb: a backend SIGKILLed under load costs no failed request
// (connect failures and resets before any response byte are redispatched).
#include <atomic>
#include <thread>

#include "lb_fixture.hpp"

using namespace lbtest;

TEST(LbFailover, SigkillOfOneBackendUnderLoadFailsNoRequest) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}) + std::vector<std::string>{"--health-interval-ms", "200"});
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, from_b_after{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&] {
      std::unique_ptr<foobar::test::HttpConnection> conn;
      for (int i = 0; i < 5000 && !stop; ++i) {  // bounded in count and time
        try {
          if (!conn) conn = std::make_unique<foobar::test::HttpConnection>(lb.port);
        } catch (...) {
          ++failed;
          continue;
        }
        // Only a request sent after b had exited can prove an answer from a dead backend:
        // one b answered just before the kill may still be read after it.
        const bool sent_after_death = killed.load();
        if (!conn->send("GET /slow?ms=2 HTTP/1.1\r\nHost: t\r\n\r\n")) {
          ++failed;
          conn.reset();
          continue;
        }
        auto r = conn->read_response();
        if (r.status == 200) {
          ++ok;
          if (sent_after_death && r.body == "b\n") ++from_b_after;
          if (r.closed) conn.reset();  // e.g. the lb's max requests per connection
        } else {
          ++failed;
          conn.reset();
        }
      }
    });
  std::this_thread::sleep_for(700ms);
  b.kill();
  killed = true;
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << "ok=" << ok.load();
  EXPECT_GT(ok.load(), 200);
  EXPECT_EQ(from_b_after.load(), 0) << "answers from a dead backend";
  EXPECT_TRUE(lb.wait_state(b, "down", 3s));
}
