#include "ctl/mariadb.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <mysql.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ctl/state_dir.hpp"
#include "db/connection.hpp"
#include "db/replica_status.hpp"
#include "db/replication_sql.hpp"
#include "net/subnet.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string tail_of(const fs::path& file, std::size_t bytes = 2000) {
  std::ifstream in(file, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

bool is_root() { return ::geteuid() == 0; }

// The database account of whoever runs foobar: root for root, else the OS
// user's name. Either is reached over the Unix socket only (unix_socket
// authentication), never over TCP.
std::string socket_admin_user() {
  if (is_root()) return "root";
  const passwd* pw = ::getpwuid(::geteuid());
  if (!pw) throw std::runtime_error("no user name for uid " + std::to_string(::geteuid()));
  return pw->pw_name;
}

// An administrator's connection over the instance's Unix socket (blocking; start-up only).
class AdminConnection {
 public:
  // read_timeout_s: the longest a statement may run (a MASTER_GTID_WAIT waits).
  explicit AdminConnection(const MariadbInstance& inst, unsigned read_timeout_s = 60) {
    db::init_library();  // once per process, whichever thread comes first
    mysql_ = mysql_init(nullptr);
    if (!mysql_) throw std::runtime_error("mysql_init failed");
    unsigned connect_timeout_s = 5;
    mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout_s);
    mysql_options(mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout_s);
    mysql_options(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &read_timeout_s);
    mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    auto sock = inst.socket().string();
    const auto user = socket_admin_user();
    if (!mysql_real_connect(mysql_, "localhost", user.c_str(), nullptr, nullptr, 0, sock.c_str(),
                            CLIENT_MULTI_STATEMENTS)) {
      std::string msg = mysql_error(mysql_);
      mysql_close(mysql_);
      mysql_ = nullptr;
      throw std::runtime_error("cannot connect to mariadbd on " + sock + ": " + msg);
    }
  }
  ~AdminConnection() {
    if (mysql_) mysql_close(mysql_);
  }
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  // One statement's answer with its column names, as the app's connection gives it.
  db::Result result(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0)
      throw std::runtime_error("SQL failed (" + std::string(mysql_error(mysql_)) + "): " + sql.substr(0, 200));
    db::Result r;
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (!res) return r;
    unsigned n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < n; ++i) r.columns.emplace_back(fields[i].name, fields[i].name_length);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      db::Row out;
      for (unsigned i = 0; i < n; ++i) out.push_back(row[i] ? db::Value(std::string(row[i], len[i])) : std::nullopt);
      r.rows.push_back(std::move(out));
    }
    mysql_free_result(res);
    return r;
  }

  std::vector<std::vector<std::string>> query(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0)
      throw std::runtime_error("SQL failed (" + std::string(mysql_error(mysql_)) + "): " + sql.substr(0, 200));
    std::vector<std::vector<std::string>> rows;
    for (;;) {
      if (MYSQL_RES* res = mysql_store_result(mysql_)) {
        rows.clear();
        unsigned n = mysql_num_fields(res);
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
          unsigned long* len = mysql_fetch_lengths(res);
          std::vector<std::string> out;
          for (unsigned i = 0; i < n; ++i) out.push_back(row[i] ? std::string(row[i], len[i]) : "NULL");
          rows.push_back(std::move(out));
        }
        mysql_free_result(res);
      } else if (mysql_field_count(mysql_) != 0) {
        throw std::runtime_error("SQL failed (" + std::string(mysql_error(mysql_)) + "): " + sql.substr(0, 200));
      }
      int more = mysql_next_result(mysql_);
      if (more > 0)
        throw std::runtime_error("SQL failed (" + std::string(mysql_error(mysql_)) + "): " + sql.substr(0, 200));
      if (more < 0) break;
    }
    return rows;
  }

 private:
  MYSQL* mysql_ = nullptr;
};

std::string single(const MariadbInstance& inst, const std::string& sql) {
  auto rows = AdminConnection(inst).query(sql);
  return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
}

}  // namespace

std::string mariadb_config(const MariadbInstance& inst) {
  std::ostringstream cnf;
  cnf << "# written by foobar (src/ctl/mariadb.cpp)\n"
      << "[mariadbd]\n"
      << "datadir=" << fs::absolute(inst.datadir()).string() << "\n"
      << "socket=" << fs::absolute(inst.socket()).string() << "\n"
      << "pid-file=" << fs::absolute(inst.dir / "mysqld.pid").string() << "\n"
      << "tmpdir=" << fs::absolute(inst.tmpdir()).string() << "\n"
      << "bind-address=" << inst.host << "\n"
      << "port=" << inst.port << "\n"
      << "server_id=" << inst.server_id << "\n"
      << "log_bin=binlog\n"
      << "relay_log=relay\n"
      << "binlog_format=ROW\n"
      << "gtid_strict_mode=ON\n"
      << "log_slave_updates=ON\n"
      << "skip-name-resolve\n"
      << "character_set_server=utf8mb4\n"
      << "collation_server=utf8mb4_unicode_ci\n"
      << "max_connections=1000\n"
      << "innodb_buffer_pool_size=64M\n"
      << "innodb_log_file_size=32M\n"
      << "performance_schema=OFF\n"
      // Every server starts read-only: which one is primary is decided outside
      // it (bootstrap, the app's failover leader), so an old primary that
      // restarts never takes a write. A replica resumes replicating by itself;
      // an old primary's replication points at itself and stops at once.
      << "read_only=ON\n"
      // Semi-synchronous replication that can promise: a commit is acknowledged
      // only once a replica has it on disk, and never falls back to async
      // (the timeout is ~49 days; the app refuses writes while no replica acknowledges).
      << "rpl_semi_sync_master_wait_point=AFTER_SYNC\n"
      << "rpl_semi_sync_master_timeout=4294967295\n"
      << "rpl_semi_sync_slave_enabled=ON\n"
      // Crash recovery as a replica: binlogged transactions no replica acknowledged
      // are truncated, not committed, so a restarted old primary can rejoin.
      << "init_rpl_role=SLAVE\n"
      << "sync_binlog=1\n"
      << "innodb_flush_log_at_trx_commit=1\n"
      // No fsync per relay-log event: a GTID replica deletes its relay log whenever
      // its IO thread starts (a restart included) and fetches again from
      // gtid_slave_pos, so a synced relay log outlives nothing. What it applied
      // is durable (InnoDB, binlog and mysql.gtid_slave_pos are synced).
      << "sync_relay_log=0\n"
      // Transactions that group-committed on the primary apply side by side
      // (in commit order) and group-commit here too: one SQL thread syncing
      // each transaction alone falls behind a busy primary for good.
      << "slave_parallel_threads=16\n"
      // A replica notices a silent primary in 2 s (heartbeats every second).
      << "slave_net_timeout=2\n";
  if (!inst.user.empty())
    cnf << "user=" << inst.user << "\n";
  else if (is_root())
    cnf << "user=root\n";
  if (inst.tls)
    cnf << "ssl_cert=" << inst.tls->cert.string() << "\nssl_key=" << inst.tls->key.string()
        << "\nssl_ca=" << inst.tls->ca.string() << "\nrequire_secure_transport=ON\n";
  for (const auto& line : inst.extra_config) cnf << line << "\n";
  return cnf.str();
}

using db::sql_literal;


std::string account_host(const std::string& spec) {
  if (spec.find('/') == std::string::npos) return spec;
  const auto subnet = net::parse_subnet_or_throw(spec);
  if (!subnet.base().is_v4()) throw std::invalid_argument(spec + ": MariaDB matches IPv6 account hosts only whole");
  const auto p = subnet.prefix();
  const auto mask = asio::ip::make_address_v4(p == 0 ? 0u : ~std::uint32_t{0} << (32 - p));
  return subnet.base().to_string() + "/" + mask.to_string();
}

std::string bootstrap_sql(const ClusterAccounts& a, const std::string& schema) {
  if (a.database.find('`') != std::string::npos) throw std::runtime_error("bad database name");
  const auto db = "`" + a.database + "`";
  auto quoted = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + sql_literal(i);
    return out;
  };
  // Drops the accounts the query selects (user, host from mysql.global_priv), if any
  // (IF EXISTS: a replica applying it may not have them all).
  auto drop_where = [](const std::string& where) {
    return "SET @foobar_drop = (SELECT CONCAT('DROP USER IF EXISTS ', GROUP_CONCAT(CONCAT(QUOTE(user), '@', QUOTE(host)))) "
           "FROM mysql.global_priv WHERE " + where + ");\n"
           "EXECUTE IMMEDIATE IF(@foobar_drop IS NULL, 'DO 0', @foobar_drop);\n";
  };
  auto account = [&](const Account& acc, const std::string& grants) {
    if (acc.hosts.empty()) throw std::runtime_error("account " + acc.user + " has no hosts to connect from");
    std::string sql = drop_where("user = " + sql_literal(acc.user) + " AND host NOT IN (" + quoted(acc.hosts) + ")");
    for (const auto& host : acc.hosts) {
      const auto who = sql_literal(acc.user) + "@" + sql_literal(host);
      sql += "CREATE USER IF NOT EXISTS " + who + " IDENTIFIED BY " + sql_literal(acc.password) + ";\n" +
             "ALTER USER " + who + " IDENTIFIED BY " + sql_literal(acc.password) + ";\n" +
             "REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + who + ";\n" +
             "GRANT " + grants + " TO " + who + ";\n";
    }
    return sql;
  };
  return "CREATE DATABASE IF NOT EXISTS " + db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" +
         "USE " + db + ";\n" + schema + "\n" +
         drop_where("user = '' OR (user = 'root' AND host <> 'localhost')") +
         "DROP DATABASE IF EXISTS `test`;\n" +
         account(a.app, "SELECT, INSERT ON " + db + ".`posts`") +
         account(a.replication, "REPLICATION SLAVE ON *.*") +
         // Watching (REPLICA MONITOR, BINLOG MONITOR) and failing over: read_only
         // (READ_ONLY ADMIN), CHANGE MASTER / START SLAVE / gtid_slave_pos
         // (REPLICATION SLAVE ADMIN), rpl_semi_sync_master_enabled (REPLICATION MASTER ADMIN).
         account(a.monitor,
                 "REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN ON *.*") +
         // The exporter's collectors: SHOW GLOBAL STATUS and VARIABLES (no privilege),
         // SHOW SLAVE STATUS (REPLICA MONITOR), InnoDB's information_schema tables (PROCESS).
         (a.exporter ? account(*a.exporter, "PROCESS, REPLICA MONITOR ON *.*")
                     : drop_where("user = " + sql_literal(kExporterUser)));
}

namespace {
std::string change_master(const std::string& host, int port, const Account& repl, const std::string& tls_ca) {
  const std::string tls = tls_ca.empty() ? ", MASTER_SSL=0"
                                         : ", MASTER_SSL=1, MASTER_SSL_CA=" + sql_literal(tls_ca) +
                                               ", MASTER_SSL_VERIFY_SERVER_CERT=1";
  return "CHANGE MASTER TO MASTER_HOST=" + sql_literal(host) + ", MASTER_PORT=" + std::to_string(port) +
         ", MASTER_USER=" + sql_literal(repl.user) + ", MASTER_PASSWORD=" + sql_literal(repl.password) +
         ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1" + tls + ";\n";
}
}  // namespace

std::string replica_sql(const std::string& primary_host, int primary_port, const Account& repl,
                        const std::string& tls_ca) {
  return "STOP SLAVE;\n" + change_master(primary_host, primary_port, repl, tls_ca) + "START SLAVE;\n";
}

std::string primary_sql(const std::string& host, int port, const Account& repl, bool semi_sync,
                        const std::string& tls_ca) {
  return "STOP SLAVE;\n" + change_master(host, port, repl, tls_ca) + "SET GLOBAL rpl_semi_sync_master_enabled=" +
         (semi_sync ? "ON" : "OFF") + ";\nSET GLOBAL read_only=OFF;\n";
}

void initialize(const MariadbInstance& inst) {
  // Its own tmpdir, for install-db's bootstrap server too: temp table files in a
  // shared /tmp are named by pid, and pids repeat across PID namespaces
  // (containers, sandboxes, CI runners) that share that /tmp.
  fs::create_directories(inst.tmpdir());
  core::write_file_atomic(inst.config_file(), mariadb_config(inst));
  if (fs::exists(inst.datadir() / "mysql")) return;
  fs::create_directories(inst.datadir());
  auto log = inst.dir / "install-db.log";
  std::string cmd = "mariadb-install-db --defaults-file='" + fs::absolute(inst.config_file()).string() +
                    "' --auth-root-authentication-method=socket --auth-root-socket-user=" + socket_admin_user() +
                    " --skip-test-db" + (is_root() ? " --user=root" : "") + " > '" + log.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0) throw std::runtime_error("mariadb-install-db failed for " + inst.dir.string() + ":\n" + tail_of(log));
}

std::vector<std::string> mariadbd_command(const MariadbInstance& inst) {
  return {"mariadbd", "--defaults-file=" + fs::absolute(inst.config_file()).string()};
}

pid_t start(const MariadbInstance& inst, bool die_with_parent) {
  auto argv_s = mariadbd_command(inst);
  auto log = fs::absolute(inst.log_file()).string();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

void wait_ready(const MariadbInstance& inst, std::chrono::milliseconds timeout, pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    if (pid > 0) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid)
        throw std::runtime_error("mariadbd in " + inst.dir.string() + " exited during start-up:\n" +
                                 tail_of(inst.log_file()));
    }
    if (fs::exists(inst.socket())) {
      try {
        AdminConnection c(inst, 1);
        c.query("SELECT 1");
        return;
      } catch (const std::exception& e) {
        last = e.what();
      }
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("mariadbd in " + inst.dir.string() + " not ready in time (" + last + "):\n" +
                               tail_of(inst.log_file()));
    std::this_thread::sleep_for(100ms);
  }
}

bool stop(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return false;
  if (::kill(pid, SIGTERM) != 0) return false;
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) return true;
    std::this_thread::sleep_for(50ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return true;
}

void setup_primary(const MariadbInstance& primary, const ClusterAccounts& a, const fs::path& schema_sql) {
  std::ifstream in(schema_sql);
  if (!in) throw std::runtime_error("cannot read " + schema_sql.string());
  std::stringstream schema;
  schema << in.rdbuf();
  AdminConnection(primary).query(bootstrap_sql(a, schema.str()));
}

void setup_replica(const MariadbInstance& replica, const MariadbInstance& primary, const Account& repl) {
  AdminConnection c(replica);
  // Its own binlog (an old primary's writes) is history the primary shares
  // (callers check): replication continues after it.
  c.query("STOP SLAVE; " + std::string(db::kResumeAfterOwnBinlog));
  c.query(replica_sql(primary.host, primary.port, repl, replica.tls ? replica.tls->ca.string() : ""));
}

void open_for_writes(const MariadbInstance& primary, const Account& repl, bool semi_sync) {
  AdminConnection(primary).query(
      primary_sql(primary.host, primary.port, repl, semi_sync, primary.tls ? primary.tls->ca.string() : ""));
}

NodeHistory history(const MariadbInstance& inst) {
  AdminConnection c(inst);
  NodeHistory h;
  auto rows = c.query("SELECT @@gtid_binlog_pos, @@gtid_binlog_state");
  h.binlog_pos = rows.at(0).at(0);
  h.binlog_state = rows.at(0).at(1);
  if (auto rs = db::parse_replica_status(c.result(std::string(db::kReplicaStatusQuery)))) {
    h.master = rs->master;
    h.replicating = rs->io_running && rs->sql_running;
  }
  return h;
}

void wait_caught_up(const MariadbInstance& replica, const MariadbInstance& primary,
                    std::chrono::milliseconds timeout) {
  auto target = single(primary, "SELECT @@GLOBAL.gtid_binlog_pos");
  if (target.empty()) return;
  AdminConnection c(replica, static_cast<unsigned>(timeout.count() / 1000 + 10));
  auto seconds = std::to_string(timeout.count() / 1000.0);
  auto rows = c.query("SELECT MASTER_GTID_WAIT(" + sql_literal(target) + ", " + seconds + ")");
  if (rows.empty() || rows[0].empty() || rows[0][0] != "0") {
    std::string state;
    for (auto& row : c.query("SHOW REPLICA STATUS"))
      for (auto& v : row) state += v + " ";
    throw std::runtime_error("replica in " + replica.dir.string() + " did not reach " + target + " in time: " +
                             state.substr(0, 1500));
  }
}

std::vector<std::vector<std::string>> admin_query(const MariadbInstance& inst, const std::string& sql) {
  return AdminConnection(inst).query(sql);
}

long long global_status(const MariadbInstance& inst, const std::string& name) {
  AdminConnection c(inst);
  auto rows = c.query("SHOW GLOBAL STATUS LIKE " + sql_literal(name));
  if (rows.empty() || rows[0].size() < 2) throw std::runtime_error("no status variable " + name);
  return std::stoll(rows[0][1]);
}

}  // namespace foobar::ctl
