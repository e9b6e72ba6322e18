// The app server and a MariaDB primary and replica on hosts of their own
// (network namespaces on one LAN), a client on a fourth. The primary's link is
// cut: a partition, not a crash, so nothing tells the app but silence.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "ctl/mariadb.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/lan.hpp"
#include "support/process.hpp"

namespace foobar::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

class AppDbHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lan::unavailable(); !why.empty()) GTEST_SKIP() << why;
    lan_ = std::make_unique<Lan>(std::vector<std::string>{"client", "app", "db1", "db2"});
    std::random_device rd;
    for (auto* a : {&accounts_.app, &accounts_.replication, &accounts_.monitor})
      a->password = "pw" + std::to_string(rd()) + std::to_string(rd());
    accounts_.connect_from({"10.201.0.0/255.255.255.0"});
    for (auto [inst, host] : {std::pair{&primary_, "db1"}, std::pair{&replica_, "db2"}}) {
      inst->dir = dir_ / host;
      inst->host = lan_->address(host);
      inst->port = 3306;  // the host's own address: nothing else listens there
      inst->server_id = inst == &primary_ ? 1 : 2;
      inst->extra_config = {"innodb_flush_log_at_trx_commit=2", "sync_binlog=0", "innodb_buffer_pool_size=32M"};
      ctl::initialize(*inst);
      dbs_.push_back(std::make_unique<Process>(lan_->exec(host, ctl::mariadbd_command(*inst))));
    }
    // Set-up goes over each server's Unix socket, which no network cut reaches.
    ctl::wait_ready(primary_, 60s);
    ctl::wait_ready(replica_, 60s);
    ctl::setup_primary(primary_, accounts_, source_dir() / "site" / "schema.sql");
    ctl::setup_replica(replica_, primary_, accounts_.replication);
    ctl::wait_caught_up(replica_, primary_, 30s);
    ctl::open_for_writes(primary_, accounts_.replication);
    std::ofstream(dir_ / "app.pw") << accounts_.app.password << "\n";
    std::ofstream(dir_ / "monitor.pw") << accounts_.monitor.password << "\n";
    app_ = std::make_unique<Process>(lan_->exec(
        "app", {foobar_bin(), "app", "--listen", lan_->address("app") + ":0", "--threads", "1", "--db-primary",
                lan_->address("db1") + ":3306", "--db-replica", lan_->address("db2") + ":3306", "--db-name", "foobar",
                "--db-user", accounts_.app.user, "--db-password-file", (dir_ / "app.pw").string(),
                "--db-monitor-user", accounts_.monitor.user, "--db-monitor-password-file",
                (dir_ / "monitor.pw").string(), "--access-log", "off"}));
    port_ = app_->wait_port("app");
  }

  struct Answer {
    int status = 0;
    milliseconds took{0};
    std::string retry_after;
    std::string body;
  };
  // One request from the client host on a fresh connection.
  Answer request(const std::string& raw) const {
    Answer a;
    lan_->run_in("client", [&] {
      const auto t0 = Clock::now();
      HttpConnection c(lan_->address("app"), port_, 10s);
      if (c.send(raw)) {
        auto r = c.read_response();
        a.status = r.status;
        a.retry_after = r.header("Retry-After");
        a.body = r.body;
      }
      a.took = duration_cast<milliseconds>(Clock::now() - t0);
    });
    return a;
  }
  Answer post(const std::string& text) const {
    const std::string body = R"({"author":"cluster","body":")" + text + R"("})";
    return request("POST /api/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }
  Answer get_list() const { return request("GET /api/posts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); }

  TempDir dir_;
  std::unique_ptr<Lan> lan_;
  ctl::MariadbInstance primary_, replica_;
  ctl::ClusterAccounts accounts_;
  std::vector<std::unique_ptr<Process>> dbs_;
  std::unique_ptr<Process> app_;
  int port_ = 0;
};

}  // namespace

TEST_F(AppDbHosts, PrimaryPartitionedWritesFailFastReadsContinue) {
  ASSERT_EQ(post("before").status, 201);
  ASSERT_EQ(get_list().status, 200);

  lan_->cut("db1");
  const auto cut_at = Clock::now();
  // Every write for 4 s after the cut: 503 with Retry-After, each within 2 s.
  int writes = 0;
  milliseconds slowest{0};
  while (Clock::now() - cut_at < 4s && writes < 200) {
    auto a = post("during " + std::to_string(writes++));
    EXPECT_EQ(a.status, 503) << "write " << writes;
    EXPECT_EQ(a.retry_after, "1");
    slowest = std::max(slowest, a.took);
  }
  std::cout << writes << " writes while partitioned, slowest " << slowest.count() << " ms\n";
  EXPECT_LT(slowest, 2000ms) << "a write waited on a primary that cannot answer";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get_list().status, 200) << "reads are served by the replica";

  lan_->restore("db1");
  bool writes_back = eventually([&] { return post("after").status == 201; }, 15s, 200ms);
  EXPECT_TRUE(writes_back) << "writes did not resume after the partition healed\n" << app_->output();
}

TEST_F(AppDbHosts, ReplicaPartitionedReadsMoveToThePrimary) {
  ASSERT_EQ(post("seed").status, 201);
  ctl::wait_caught_up(replica_, primary_, 10s);
  const long long replica_before = ctl::global_status(replica_, "Com_select");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get_list().status, 200);
  EXPECT_GE(ctl::global_status(replica_, "Com_select") - replica_before, 5) << "reads go to the replica";

  lan_->cut("db2");
  const auto cut_at = Clock::now();
  milliseconds slowest{0};
  int reads = 0;
  while (Clock::now() - cut_at < 3s && reads < 200) {
    auto a = get_list();
    ++reads;
    EXPECT_EQ(a.status, 200) << "read " << reads << " at +" << duration_cast<milliseconds>(Clock::now() - cut_at).count()
                             << " ms";
    slowest = std::max(slowest, a.took);
  }
  std::cout << reads << " reads while the replica was partitioned, slowest " << slowest.count() << " ms\n";
  EXPECT_LT(slowest, 2000ms) << "a read waited on a replica that cannot answer";
  // Semi-synchronous: with its only replica gone, the primary cannot promise a
  // write on two machines, so writes are refused (after the 2 s a write waits
  // for a replica; not hung, not acknowledged). The reads may end early (200 of
  // them): the monitor needs up to two intervals to see the replica gone, and
  // a write sent before that waits on the primary until its timeout.
  std::this_thread::sleep_until(cut_at + 3s);
  auto during = post("during");
  EXPECT_EQ(during.status, 503) << "a write acknowledged by one machine only";
  EXPECT_LT(during.took, 3000ms) << request("GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body;

  lan_->restore("db2");
  // Writes resume once the replica acknowledges again (the failover leader
  // reconnects an IO thread that came back without semi-sync or hangs).
  EXPECT_TRUE(eventually([&] { return post("after").status == 201; }, 15s, 200ms))
      << "writes did not resume within 15 s after the replica's partition healed\n" << app_->output();
  // Back in the pool once the monitor sees it caught up again: reads return to it.
  bool back = eventually(
      [&] {
        const long long before = ctl::global_status(replica_, "Com_select");
        for (int i = 0; i < 3; ++i) get_list();
        return ctl::global_status(replica_, "Com_select") - before >= 3;
      },
      15s, 200ms);
  EXPECT_TRUE(back) << "reads did not return to the replica after the partition healed";
}

}  // namespace foobar::test
