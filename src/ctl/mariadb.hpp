#pragma once
// MariaDB bootstrap: create, configure, start, wire up and stop local mariadbd
// instances for a GTID primary-replica cluster. Used by `foobar up` and by the
// integration-test fixture. Start-up only: blocking calls (Connector/C's
// blocking API over the instance's Unix socket, as root@localhost); every wait
// is bounded; failures throw std::runtime_error with the server's own words.
//
// Typical use:
//   MariadbInstance p{dir1, "127.0.0.1", 3307, 1}, r{dir2, "127.0.0.1", 3308, 2, true};
//   initialize(p); initialize(r);
//   pid_t pp = start(p), rp = start(r);
//   wait_ready(p, 30s, pp); wait_ready(r, 30s, rp);
//   setup_primary(p, accounts, "site/schema.sql");
//   setup_replica(r, p, accounts.replication);
//   wait_caught_up(r, p, 30s);
//   open_for_writes(p, accounts.replication);
//   ... stop(rp); stop(pp);
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foobar::ctl {

struct MariadbInstance {
  std::filesystem::path dir;       // owns everything: data/, tmp/, my.cnf, mysqld.sock, mysqld.pid, mariadbd.log
  std::string host = "127.0.0.1";  // bind address (numeric)
  int port = 3306;
  unsigned server_id = 1;          // unique in the cluster
  std::string user;                // the OS user mariadbd runs as; "": root when started by root
  std::vector<std::string> extra_config;  // extra "key=value" lines for [mariadbd]
  // TLS only for TCP clients and replication (require_secure_transport; the
  // Unix socket stays open to root): its certificate, key and the CA that
  // verifies the primary's certificate when it replicates.
  struct Tls {
    std::filesystem::path cert, key, ca;
  };
  std::optional<Tls> tls;

  std::filesystem::path datadir() const { return dir / "data"; }
  std::filesystem::path tmpdir() const { return dir / "tmp"; }
  std::filesystem::path config_file() const { return dir / "my.cnf"; }
  std::filesystem::path socket() const { return dir / "mysqld.sock"; }
  std::filesystem::path log_file() const { return dir / "mariadbd.log"; }
};

struct Account {
  std::string user;
  std::string password;
  // The addresses it connects from (MariaDB host parts: "10.0.0.21",
  // "10.0.0.0/255.255.255.0"); one account user@host per entry.
  std::vector<std::string> hosts{"%"};
};

inline constexpr const char* kExporterUser = "foobar_exporter";

struct ClusterAccounts {
  std::string database = "foobar";
  Account app{"foobar_app", ""};          // SELECT, INSERT on database.posts only
  Account replication{"foobar_repl", ""}; // REPLICATION SLAVE
  Account monitor{"foobar_monitor", ""};  // watching and failing over (bootstrap_sql lists the grants)
  // prometheus-mysqld-exporter's (PROCESS, REPLICA MONITOR), where one runs;
  // without one, the account is dropped.
  std::optional<Account> exporter;
  // Every account connects from these hosts (one machine, a test's subnet).
  void connect_from(const std::vector<std::string>& hosts) {
    app.hosts = replication.hosts = monitor.hosts = hosts;
    if (exporter) exporter->hosts = hosts;
  }
};

// A host or CIDR ("10.0.0.0/24") as a MariaDB account host ("10.0.0.0/255.255.255.0").
// Throws std::invalid_argument for what MariaDB cannot match (an IPv6 prefix).
std::string account_host(const std::string& host_or_cidr);

// The [mariadbd] config file for the instance (what initialize writes to my.cnf).
std::string mariadb_config(const MariadbInstance& instance);

// The SQL that applies the schema and creates the three accounts with exactly
// their grants (passwords reset to these; the same users at other hosts
// dropped), drops anonymous users, root at any host but localhost (root is
// reached over the Unix socket only) and the test database: idempotent, run
// on the primary as root (it replicates).
std::string bootstrap_sql(const ClusterAccounts& accounts, const std::string& schema);

// The SQL that points a replica at the primary (GTID, slave_pos) and starts
// replication; over TLS, the primary's certificate verified against tls_ca,
// when one is given. Later CHANGE MASTERs (failover) keep these settings.
std::string replica_sql(const std::string& primary_host, int primary_port, const Account& replication,
                        const std::string& tls_ca = "");

// The SQL that makes a server the primary: pointed at itself without
// replicating (it keeps the replication credentials for when it follows
// another, and says it was the primary last), semi-sync on, writable.
std::string primary_sql(const std::string& host, int port, const Account& replication, bool semi_sync = true,
                        const std::string& tls_ca = "");

// Writes dir/my.cnf (always) and, if dir/data has no system tables yet, runs
// mariadb-install-db into it. Works as root (mariadbd runs with user=root) and
// as a normal user. Safe to run for several instances in parallel threads.
void initialize(const MariadbInstance& instance);

// The mariadbd command line for the instance, for a supervisor that spawns it itself.
std::vector<std::string> mariadbd_command(const MariadbInstance& instance);

// Starts mariadbd as a child process (output appended to log_file()); returns its pid.
// die_with_parent: the kernel kills it when the calling thread exits (test fixtures).
pid_t start(const MariadbInstance& instance, bool die_with_parent = false);

// Waits until the instance accepts connections. Throws on timeout, or at once
// if pid (when given) has exited, with the end of the log in the message.
void wait_ready(const MariadbInstance& instance, std::chrono::milliseconds timeout, pid_t pid = -1);

// SIGTERM, then SIGKILL after grace; reaps the child. Returns false if it was not running.
bool stop(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(20));

// Creates the database, the three accounts and applies the schema file (plain
// SQL, idempotent) on the primary. Run before setup_replica: it all replicates.
void setup_primary(const MariadbInstance& primary, const ClusterAccounts& accounts,
                   const std::filesystem::path& schema_sql);

// Points the replica at the primary with GTID auto-positioning (slave_pos) and
// starts replication after what its own binlog holds (for an old primary: its
// own writes; check history_included first).
void setup_replica(const MariadbInstance& replica, const MariadbInstance& primary, const Account& replication);

// Makes the server the primary (primary_sql). Every server starts read-only.
void open_for_writes(const MariadbInstance& primary, const Account& replication, bool semi_sync = true);

// What a server holds and follows, to find the last primary of an existing cluster.
struct NodeHistory {
  std::string binlog_pos;    // @@gtid_binlog_pos
  std::string binlog_state;  // @@gtid_binlog_state
  std::string master;        // "HOST:PORT" it is pointed at ("" if none); itself: it was the primary
  bool replicating = false;  // its IO and SQL threads both run
};
NodeHistory history(const MariadbInstance& instance);

// Waits until the replica has applied everything the primary has written so far.
void wait_caught_up(const MariadbInstance& replica, const MariadbInstance& primary, std::chrono::milliseconds timeout);

// Runs SQL (one or more statements) as root on the instance; returns the rows
// of the last result set as text (NULL -> "NULL").
std::vector<std::vector<std::string>> admin_query(const MariadbInstance& instance, const std::string& sql);

// Reads a global status counter (e.g. "Com_select") as root.
long long global_status(const MariadbInstance& instance, const std::string& name);

}  // namespace foobar::ctl
