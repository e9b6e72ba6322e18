#pragma once
// Integration-test fixture: a real MariaDB primary + GTID replica in temp dirs
// on free ports, built with the bootstrap library (src/ctl/mariadb.hpp).
// Start it once per test binary (see ClusterEnvironment); tests may kill,
// stop and restart servers, and must leave them running again.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "ctl/mariadb.hpp"
#include "support/process.hpp"

namespace foobar::test {

class MariadbCluster {
 public:
  MariadbCluster() {
    std::random_device rd;
    auto secret = [&] { return "pw" + std::to_string(rd()) + std::to_string(rd()); };
    accounts.database = "foobar";
    accounts.app.password = secret();
    accounts.replication.password = secret();
    accounts.monitor.password = secret();
    accounts.connect_from({"127.0.0.1"});
    primary.dir = dir_.path() / "primary";
    primary.port = free_port();
    primary.server_id = 1;
    replica.dir = dir_.path() / "replica";
    replica.port = free_port();
    replica.server_id = 2;
    for (auto* inst : {&primary, &replica}) {
      // Test speed over durability.
      inst->extra_config = {"innodb_flush_log_at_trx_commit=2", "sync_binlog=0", "innodb_buffer_pool_size=32M", "userstat=ON"};
      ctl::initialize(*inst);
    }
    primary_pid = ctl::start(primary, true);
    replica_pid = ctl::start(replica, true);
    ctl::wait_ready(primary, std::chrono::seconds(60), primary_pid);
    ctl::wait_ready(replica, std::chrono::seconds(60), replica_pid);
    ctl::setup_primary(primary, accounts, source_dir() / "site" / "schema.sql");
    ctl::setup_replica(replica, primary, accounts.replication);
    ctl::wait_caught_up(replica, primary, std::chrono::seconds(30));
    ctl::open_for_writes(primary, accounts.replication);
    app_password_file = dir_.path() / "app.pw";
    monitor_password_file = dir_.path() / "monitor.pw";
    std::ofstream(app_password_file) << accounts.app.password << "\n";
    std::ofstream(monitor_password_file) << accounts.monitor.password << "\n";
  }
  ~MariadbCluster() {
    ctl::stop(replica_pid);
    ctl::stop(primary_pid);
  }

  std::string primary_addr() const { return "127.0.0.1:" + std::to_string(primary.port); }
  std::string replica_addr() const { return "127.0.0.1:" + std::to_string(replica.port); }
  long long counter(const ctl::MariadbInstance& inst, const std::string& name) const {
    return ctl::global_status(inst, name);
  }

  // Data-changing statements the app user sent to the server (USER_STATISTICS,
  // unlike Com_insert, does not count what the replication threads apply).
  long long app_writes(const ctl::MariadbInstance& inst) const {
    auto rows = ctl::admin_query(inst, "SELECT UPDATE_COMMANDS FROM information_schema.USER_STATISTICS WHERE USER = '" +
                                           accounts.app.user + "'");
    return rows.empty() ? 0 : std::stoll(rows[0][0]);
  }

  void kill_primary() {
    ::kill(primary_pid, SIGKILL);
    ctl::stop(primary_pid, std::chrono::seconds(5));
    primary_pid = -1;
  }
  void start_primary() {
    primary_pid = ctl::start(primary, true);
    ctl::wait_ready(primary, std::chrono::seconds(60), primary_pid);
  }
  void kill_replica() {
    ::kill(replica_pid, SIGKILL);
    ctl::stop(replica_pid, std::chrono::seconds(5));
    replica_pid = -1;
  }
  void start_replica() {
    replica_pid = ctl::start(replica, true);
    ctl::wait_ready(replica, std::chrono::seconds(60), replica_pid);
  }
  void sql_on_replica(const std::string& sql) { ctl::admin_query(replica, sql); }

  ctl::MariadbInstance primary, replica;
  ctl::ClusterAccounts accounts;
  pid_t primary_pid = -1, replica_pid = -1;
  std::filesystem::path app_password_file, monitor_password_file;

 private:
  TempDir dir_;
};

// The one cluster of a test binary: register with
//   static auto* env = ::testing::AddGlobalTestEnvironment(new foobar::test::ClusterEnvironment);
class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { instance() = std::make_unique<MariadbCluster>(); }
  void TearDown() override { instance().reset(); }
  static std::unique_ptr<MariadbCluster>& instance() {
    static std::unique_ptr<MariadbCluster> c;
    return c;
  }
};

inline MariadbCluster& cluster() { return *ClusterEnvironment::instance(); }

}  // namespace foobar::test
