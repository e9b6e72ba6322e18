// A bounded Jepsen-style test of the database tier: a primary and two replicas
// on hosts of their own, two app servers, 8 writer clients posting unique
// (client, seq) messages, a reader. Faults one at a time: SIGKILL of the
// current primary, a cut link to it, SIGKILL of a replica, a replica stopped
// and started. Afterwards: every acknowledged write is there exactly once, no
// write that definitely failed is there, the servers' checksums agree, and no
// read failed. Figures (kill to first acknowledged write) go to stdout.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "ctl/mariadb.hpp"
#include "ctl/switchover.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/lan.hpp"
#include "support/process.hpp"

namespace foobar::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr int kWriters = 8;
const std::vector<std::string> kDbHosts = {"db1", "db2", "db3"};
const std::vector<std::string> kAppHosts = {"app1", "app2"};

// What one write came to, as its client saw it.
enum class Outcome { acknowledged, failed, unknown };

struct Write {
  int client = 0;
  int seq = 0;
  Outcome outcome = Outcome::unknown;
  Clock::time_point started{}, answered{};
};

class DbFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lan::unavailable(); !why.empty()) GTEST_SKIP() << why;
    std::vector<std::string> hosts{"client"};
    hosts.insert(hosts.end(), kAppHosts.begin(), kAppHosts.end());
    hosts.insert(hosts.end(), kDbHosts.begin(), kDbHosts.end());
    lan_ = std::make_unique<Lan>(hosts);
    std::random_device rd;
    for (auto* a : {&accounts_.app, &accounts_.replication, &accounts_.monitor})
      a->password = "pw" + std::to_string(rd()) + std::to_string(rd());
    accounts_.connect_from({"10.201.0.0/255.255.255.0"});
    dbs_.resize(kDbHosts.size());
    for (std::size_t i = 0; i < kDbHosts.size(); ++i) {
      auto& inst = dbs_[i].inst;
      inst.dir = dir_ / kDbHosts[i];
      inst.host = lan_->address(kDbHosts[i]);
      inst.port = 3306;
      inst.server_id = static_cast<unsigned>(i + 1);
      // The durability settings are the real ones (sync_binlog=1 and friends).
      inst.extra_config = {"innodb_buffer_pool_size=32M"};
      ctl::initialize(inst);
      start_db(i);
    }
    for (auto& d : dbs_) ctl::wait_ready(d.inst, 60s);
    ctl::setup_primary(dbs_[0].inst, accounts_, source_dir() / "site" / "schema.sql");
    for (std::size_t i = 1; i < dbs_.size(); ++i) ctl::setup_replica(dbs_[i].inst, dbs_[0].inst, accounts_.replication);
    for (std::size_t i = 1; i < dbs_.size(); ++i) ctl::wait_caught_up(dbs_[i].inst, dbs_[0].inst, 30s);
    ctl::open_for_writes(dbs_[0].inst, accounts_.replication);
    std::ofstream(dir_ / "app.pw") << accounts_.app.password << "\n";
    std::ofstream(dir_ / "monitor.pw") << accounts_.monitor.password << "\n";
    for (const auto& host : kAppHosts) {
      std::vector<std::string> argv{foobar_bin(), "app", "--listen", lan_->address(host) + ":8081", "--threads", "1",
                                    "--db-primary", lan_->address("db1") + ":3306"};
      for (std::size_t i = 1; i < kDbHosts.size(); ++i) {
        argv.push_back("--db-replica");
        argv.push_back(lan_->address(kDbHosts[i]) + ":3306");
      }
      for (std::string a : {"--db-name", "foobar", "--db-user"}) argv.push_back(a);
      argv.push_back(accounts_.app.user);
      argv.push_back("--db-password-file");
      argv.push_back((dir_ / "app.pw").string());
      argv.push_back("--db-monitor-user");
      argv.push_back(accounts_.monitor.user);
      argv.push_back("--db-monitor-password-file");
      argv.push_back((dir_ / "monitor.pw").string());
      argv.push_back("--access-log");
      argv.push_back("off");
      apps_.push_back(std::make_unique<Process>(lan_->exec(host, argv)));
      apps_.back()->wait_port("app");
    }
    ASSERT_TRUE(eventually([&] { return post_once(0, 0, -1) == Outcome::acknowledged; }, 20s, 200ms))
        << apps_[0]->output();
  }

  void TearDown() override {
    stop_ = true;
    for (auto& t : threads_) t.join();
    apps_.clear();
    for (auto& d : dbs_) d.proc.reset();
  }

  struct Db {
    ctl::MariadbInstance inst;
    std::unique_ptr<Process> proc;
  };

  void start_db(std::size_t i) {
    dbs_[i].proc = std::make_unique<Process>(lan_->exec(kDbHosts[i], ctl::mariadbd_command(dbs_[i].inst)));
  }
  void kill_db(std::size_t i) {
    dbs_[i].proc->signal(SIGKILL);
    dbs_[i].proc->wait_exit(10s);
  }
  std::optional<ctl::NodeHistory> history(std::size_t i) {
    try {
      return ctl::history(dbs_[i].inst);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  // Through the Unix socket, which no network cut reaches; empty on failure.
  std::vector<std::vector<std::string>> sql(std::size_t i, const std::string& q) {
    try {
      return ctl::admin_query(dbs_[i].inst, q);
    } catch (const std::exception&) {
      return {};
    }
  }
  std::optional<std::size_t> writable_db() {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < dbs_.size(); ++i) {
      auto r = sql(i, "SELECT @@read_only");
      if (!r.empty() && r[0][0] == "0") {
        if (found) return std::nullopt;  // two: not settled
        found = i;
      }
    }
    return found;
  }
  // Settled: one writable server and the other two replicating from it.
  bool settled() {
    auto p = writable_db();
    if (!p) return false;
    for (std::size_t i = 0; i < dbs_.size(); ++i) {
      if (i == *p) continue;
      auto h = history(i);
      if (!h || !h->replicating || h->master != lan_->address(kDbHosts[*p]) + ":3306") return false;
    }
    return true;
  }

  // One POST through app (0 or 1) from the client host; seq < 0: a probe.
  Outcome post_once(std::size_t app, int client, int seq) const {
    Outcome out = Outcome::unknown;
    lan_->run_in("client", [&] {
      const std::string body = R"({"author":"w)" + std::to_string(client) + R"(","body":")" + std::to_string(client) +
                               "-" + std::to_string(seq) + R"("})";
      HttpConnection c(lan_->address(kAppHosts[app]), 8081, 10s);
      if (!c.send("POST /api/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body)) {
        out = Outcome::failed;  // never reached the app
        return;
      }
      auto r = c.read_response();
      if (r.status == 201)
        out = Outcome::acknowledged;
      else if (r.status == 0 || r.body.find("may have been saved") != std::string::npos)
        out = Outcome::unknown;
      else
        out = Outcome::failed;
    });
    return out;
  }

  // max_seq bounds each writer (the 8 wrote about 11 000 a kill on this machine).
  void start_clients(int max_seq) {
    for (int c = 1; c <= kWriters; ++c)
      threads_.emplace_back([this, c, max_seq] {
        for (int seq = 1; !stop_ && seq < max_seq; ++seq) {
          Write w{c, seq};
          w.started = Clock::now();
          w.outcome = post_once(static_cast<std::size_t>(seq + c) % kAppHosts.size(), c, seq);
          w.answered = Clock::now();
          {
            std::lock_guard lock(mu_);
            writes_.push_back(w);
          }
          // As a client told Retry-After would, without giving up.
          if (w.outcome != Outcome::acknowledged) std::this_thread::sleep_for(50ms);
        }
      });
    threads_.emplace_back([this] {
      for (int n = 0; !stop_ && n < 1000000; ++n) {
        int status = 0;
        std::string body;
        lan_->run_in("client", [&] {
          HttpConnection c(lan_->address(kAppHosts[n % kAppHosts.size()]), 8081, 10s);
          if (c.send("GET /api/posts?limit=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
            auto r = c.read_response();
            status = r.status;
            body = r.body;
          }
        });
        if (status != 200 && read_failures_ < 5)
          std::cout << "read failed: " << status << " " << body.substr(0, 200) << "\n";
        ++reads_;
        if (status != 200) {
          ++read_failures_;
          std::lock_guard lock(mu_);
          read_failed_at_.push_back(Clock::now());
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }

  // Time from t to the first acknowledgement of a write sent after t (nullopt: none within 30 s).
  std::optional<milliseconds> first_ack_after(Clock::time_point t) {
    const auto until = t + 30s;
    while (Clock::now() < until) {
      {
        std::lock_guard lock(mu_);
        std::optional<Clock::time_point> first;
        for (auto it = writes_.rbegin(); it != writes_.rend() && it->answered > t; ++it)
          if (it->outcome == Outcome::acknowledged && it->started > t && (!first || it->answered < *first))
            first = it->answered;
        if (first) return duration_cast<milliseconds>(*first - t);
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  // Failed and unknown writes answered since t.
  std::pair<int, int> failures_since(Clock::time_point t) {
    std::lock_guard lock(mu_);
    int failed = 0, unknown = 0;
    for (auto it = writes_.rbegin(); it != writes_.rend() && it->answered > t; ++it) {
      failed += it->outcome == Outcome::failed;
      unknown += it->outcome == Outcome::unknown;
    }
    return {failed, unknown};
  }
  // One line per fault: what it cost.
  void report(const std::string& fault, Clock::time_point t, milliseconds ack, std::size_t before) {
    auto [failed, unknown] = failures_since(t);
    auto after = writable_db();
    int reads_failed = 0;
    {
      std::lock_guard lock(mu_);
      reads_failed = static_cast<int>(std::count_if(read_failed_at_.begin(), read_failed_at_.end(),
                                                    [&](auto at) { return at > t; }));
      read_failed_at_.clear();
    }
    std::cout << fault << ": primary " << kDbHosts[before] << " -> " << (after ? kDbHosts[*after] : "?")
              << ", first acknowledged write after " << ack.count() << " ms, " << failed << " failed, " << unknown
              << " unknown, " << reads_failed << " reads failed\n";
  }

  // The end of each app server's log, for failure messages.
  std::string logs() {
    std::string out;
    for (std::size_t i = 0; i < dbs_.size(); ++i) {
      auto state = sql(i, "SELECT @@read_only, @@rpl_semi_sync_master_enabled, @@gtid_binlog_pos");
      auto clients = sql(i, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'");
      if (!state.empty() && !clients.empty())
        out += "--- " + kDbHosts[i] + ": read_only " + state[0][0] + ", semi-sync master " + state[0][1] + " with " +
               clients[0][1] + " clients, binlog at " + state[0][2] + "\n";
      out += "--- " + kDbHosts[i] + " replication:";
      auto rows = sql(i, "SHOW ALL REPLICAS STATUS");
      for (auto& row : rows)
        for (std::size_t k = 0; k < row.size() && k < 14; ++k) out += " | " + row[k];
      out += "\n";
    }
    for (std::size_t i = 0; i < apps_.size(); ++i) {
      std::string mine;
      std::istringstream lines(apps_[i]->output());
      for (std::string line; std::getline(lines, line);)
        if (line.find("db failover") != std::string::npos || line.find("GET /api") != std::string::npos) mine += line + "\n";
      std::string health;
      lan_->run_in("client", [&] {
        HttpConnection c(lan_->address(kAppHosts[i]), 8081, 5s);
        if (c.send("GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) health = c.read_response().body;
      });
      out += "--- " + kAppHosts[i] + " /api/health: " + health + "\n" +
             mine.substr(mine.size() > 12000 ? mine.size() - 12000 : 0);
    }
    return out;
  }
  // Waits until the cluster is back to one primary and two replicas that have
  // caught up: one fault at a time, each on a healed cluster.
  void wait_settled(const std::string& after) {
    ASSERT_TRUE(eventually([&] { return settled(); }, 60s, 200ms)) << "not settled after " << after << "\n" << logs();
    auto p = writable_db();
    ASSERT_TRUE(p);
    for (std::size_t i = 0; i < dbs_.size(); ++i)
      // A restarted old primary catches up on everything since it stopped.
      if (i != *p) ctl::wait_caught_up(dbs_[i].inst, dbs_[*p].inst, 180s);
  }

  TempDir dir_;
  std::unique_ptr<Lan> lan_;
  ctl::ClusterAccounts accounts_;
  std::vector<Db> dbs_;
  std::vector<std::unique_ptr<Process>> apps_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Write> writes_;
  std::atomic<int> reads_{0}, read_failures_{0};
  std::vector<Clock::time_point> read_failed_at_;
};

}  // namespace

TEST_F(DbFailover, NoAcknowledgedWriteIsLost) {
  // 10 primary kills (and 5 cuts) here; bench/failover-soak.sh sets 100.
  const char* kills_env = std::getenv("FOOBAR_FAILOVER_KILLS");
  const int kills = kills_env ? std::max(1, std::atoi(kills_env)) : 10;
  start_clients(100000 + 40000 * kills);
  std::this_thread::sleep_for(2s);
  std::map<std::string, std::vector<long long>> recovery;  // fault -> ms to the first acknowledged write after it
  int quarantine_repairs = 0;

  auto primary_kill = [&] {
    auto p = writable_db();
    ASSERT_TRUE(p);
    const auto t = Clock::now();
    kill_db(*p);
    auto ack = first_ack_after(t);
    ASSERT_TRUE(ack) << "no write acknowledged within 30 s of killing the primary\n" << logs();
    recovery["primary SIGKILL"].push_back(ack->count());
    start_db(*p);  // as systemd's Restart= would: it must come back as a replica
    wait_settled("a primary kill");
    report("primary SIGKILL", t, *ack, *p);
    if (*ack > 5s) std::cout << "slow failover; the app servers' view:\n" << logs();
    EXPECT_NE(writable_db(), p) << "no failover";
  };
  auto primary_cut = [&] {
    auto p = writable_db();
    ASSERT_TRUE(p);
    const auto t = Clock::now();
    lan_->cut(kDbHosts[*p]);
    // Frames already in the switch may still arrive: count writes sent from
    // 100 ms after the cut.
    auto ack = first_ack_after(t + 100ms);
    std::this_thread::sleep_until(t + 6s);  // long enough that it is a partition, not a blip
    lan_->restore(kDbHosts[*p]);
    ASSERT_TRUE(ack) << "no write acknowledged within 30 s of cutting the primary's link\n" << logs();
    recovery["primary link cut"].push_back(ack->count());
    // Back, it is fenced (read-only). If it holds a write it took while cut off
    // (never acknowledged: no replica had it), it is quarantined; a restart
    // lets crash recovery (init_rpl_role=SLAVE) drop it, then it rejoins.
    if (!eventually([&] { return settled(); }, 10s, 200ms)) {
      ++quarantine_repairs;
      kill_db(*p);
      start_db(*p);
    }
    wait_settled("a link cut");
    report("primary link cut", t, *ack, *p);
    EXPECT_NE(writable_db(), p) << "no failover";
  };
  auto replica_fault = [&](bool kill) {
    auto p = writable_db();
    ASSERT_TRUE(p);
    const std::size_t r = (*p + 1) % dbs_.size();
    const auto t = Clock::now();
    if (kill)
      kill_db(r);
    else
      dbs_[r].proc->stop(30s);
    std::this_thread::sleep_for(3s);
    auto ack = first_ack_after(t);
    ASSERT_TRUE(ack);
    recovery[kill ? "replica SIGKILL" : "replica stop"].push_back(ack->count());
    start_db(r);
    wait_settled("a replica fault");
    report(kill ? "replica SIGKILL" : "replica stop", t, *ack, *p);
    EXPECT_EQ(writable_db(), p) << "a replica fault moved the primary";
  };

  for (int round = 0; round < kills; ++round) {
    primary_kill();
    if (HasFatalFailure()) break;
    if (round % 2 == 1) primary_cut();
    if (HasFatalFailure()) break;
  }
  if (!HasFatalFailure()) replica_fault(true);
  if (!HasFatalFailure()) replica_fault(false);
  // Planned changes of primary: writes wait, none fails.
  for (int round = 0; round < 2 && !HasFatalFailure(); ++round) {
    auto before = writable_db();
    ASSERT_TRUE(before);
    std::vector<ctl::DbServer> servers;
    for (const auto& host : kDbHosts)
      servers.push_back({host, net::Address::parse_or_throw(lan_->address(host) + ":3306", net::Address::Use::Connect)});
    const auto t = Clock::now();
    int rc = -1;
    lan_->run_in("client", [&] { rc = ctl::switchover(servers, {accounts_.monitor.user, accounts_.monitor.password, ""}, ""); });
    ASSERT_EQ(rc, 0);
    auto ack = first_ack_after(t);
    ASSERT_TRUE(ack);
    std::this_thread::sleep_for(3s);
    auto [failed, unknown] = failures_since(t);
    EXPECT_EQ(failed, 0) << "writes failed during a switchover";
    EXPECT_EQ(unknown, 0);
    EXPECT_NE(writable_db(), before);
    report("switchover", t, *ack, *before);
    wait_settled("a switchover");
  }
  std::this_thread::sleep_for(1s);
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
  ASSERT_FALSE(HasFatalFailure());

  // Everything replicated: every server at the primary's position.
  auto p = writable_db();
  ASSERT_TRUE(p);
  for (std::size_t i = 0; i < dbs_.size(); ++i)
    if (i != *p) ctl::wait_caught_up(dbs_[i].inst, dbs_[*p].inst, 30s);
  std::multiset<std::string> stored;
  for (auto& row : sql(*p, "SELECT body FROM foobar.posts WHERE author LIKE 'w%'")) stored.insert(row[0]);
  int acked = 0, failed = 0, unknown = 0, lost = 0, duplicated = 0, failed_present = 0;
  std::map<int, int> last_acked;  // client -> highest acknowledged seq
  for (const auto& w : writes_) {
    const auto key = std::to_string(w.client) + "-" + std::to_string(w.seq);
    const auto n = stored.count(key);
    if (n > 1) ++duplicated;
    switch (w.outcome) {
      case Outcome::acknowledged:
        ++acked;
        if (n == 0) {
          ++lost;
          ADD_FAILURE() << "acknowledged write " << key << " is missing";
        }
        last_acked[w.client] = std::max(last_acked[w.client], w.seq);
        break;
      case Outcome::failed:
        ++failed;
        if (n != 0) {
          ++failed_present;
          ADD_FAILURE() << "write " << key << " failed definitely, yet it is stored";
        }
        break;
      case Outcome::unknown:
        ++unknown;
        break;
    }
  }
  // Each client's acknowledged writes, in order, with no gap: every one up to
  // its last acknowledged seq that was acknowledged is stored (checked above).
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(failed_present, 0);
  EXPECT_EQ(read_failures_.load(), 0) << "of " << reads_.load() << " reads";
  std::set<std::string> sums;
  for (std::size_t i = 0; i < dbs_.size(); ++i) {
    auto r = sql(i, "CHECKSUM TABLE foobar.posts");
    ASSERT_FALSE(r.empty());
    sums.insert(r[0][1]);
  }
  EXPECT_EQ(sums.size(), 1u) << "the servers' copies differ";

  if (HasFailure()) std::cout << logs();
  std::cout << "writes: " << acked << " acknowledged, " << failed << " failed, " << unknown << " unknown; "
            << reads_.load() << " reads, " << read_failures_.load() << " failed; " << quarantine_repairs
            << " quarantined old primaries restarted\n";
  for (auto& [fault, times] : recovery) {
    std::sort(times.begin(), times.end());
    std::cout << fault << " x" << times.size() << ": first acknowledged write after p50 "
              << times[times.size() / 2] << " ms, p99 " << times[(times.size() * 99) / 100] << " ms, max "
              << times.back() << " ms\n";
    // Every fault: the first acknowledged write within 10 s; kills at a median of 5 s.
    if (fault == "primary SIGKILL") {
      EXPECT_LE(times[times.size() / 2], 5000) << fault;
    }
    EXPECT_LE(times.back(), 10000) << fault;
  }
}

}  // namespace foobar::test
