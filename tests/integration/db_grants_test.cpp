// Least privilege on a real primary + replica set up as foobar up does
// (ctl::setup_primary): each account's SHOW GRANTS is exactly its list, the app
// account cannot change what it only reads or inserts, no anonymous user, no
// test database, root only over the Unix socket, and the same user at another
// host is dropped when the bootstrap runs again.
#include <gtest/gtest.h>

#include <fstream>

#include "mariadb_cluster.hpp"

namespace foobar::test {
namespace {

auto* const env = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

// The real mariadb client over TCP as an account (its password in a defaults
// file, not on the command line); output and exit status.
struct ClientRun {
  std::string output;
  int status = -1;
};
ClientRun as(const ctl::Account& account, const std::string& sql) {
  TempDir dir;
  const auto cnf = dir.path() / "client.cnf";
  std::ofstream(cnf) << "[client]\nuser=" << account.user << "\npassword=" << account.password << "\n";
  ClientRun r;
  r.output = run("mariadb --defaults-file=" + cnf.string() + " -h127.0.0.1 -P" + std::to_string(cluster().primary.port) +
                     " -N -e \"" + sql + "\" 2>&1",
                 &r.status);
  return r;
}

std::vector<std::string> grants(const std::string& user, const std::string& host) {
  std::vector<std::string> out;
  for (auto& row : ctl::admin_query(cluster().primary, "SHOW GRANTS FOR '" + user + "'@'" + host + "'")) {
    auto g = row[0];
    // The password hash is not the point (and changes every run).
    if (auto at = g.find(" IDENTIFIED BY PASSWORD"); at != std::string::npos) g.erase(at);
    out.push_back(g);
  }
  return out;
}

TEST(DbGrants, EveryAccountHasExactlyItsGrants) {
  const auto& a = cluster().accounts;
  // As MariaDB 10.11 prints them (captured from the real server).
  EXPECT_EQ(grants(a.app.user, "127.0.0.1"),
            (std::vector<std::string>{"GRANT USAGE ON *.* TO `foobar_app`@`127.0.0.1`",
                                      "GRANT SELECT, INSERT ON `foobar`.`posts` TO `foobar_app`@`127.0.0.1`"}));
  EXPECT_EQ(grants(a.replication.user, "127.0.0.1"),
            (std::vector<std::string>{"GRANT REPLICATION SLAVE ON *.* TO `foobar_repl`@`127.0.0.1`"}));
  EXPECT_EQ(grants(a.monitor.user, "127.0.0.1"),
            (std::vector<std::string>{"GRANT BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION "
                                      "MASTER ADMIN, SLAVE MONITOR ON *.* TO `foobar_monitor`@`127.0.0.1`"}));
  // Every account there is: ours at their host, root at localhost, MariaDB's own.
  auto users = ctl::admin_query(cluster().primary, "SELECT CONCAT(user, '@', host) FROM mysql.global_priv ORDER BY 1");
  std::vector<std::string> names;
  for (auto& row : users) names.push_back(row[0]);
  EXPECT_EQ(names, (std::vector<std::string>{"foobar_app@127.0.0.1", "foobar_monitor@127.0.0.1",
                                             "foobar_repl@127.0.0.1", "mariadb.sys@localhost", "root@localhost"}));
  EXPECT_TRUE(ctl::admin_query(cluster().primary, "SHOW DATABASES LIKE 'test'").empty());
}

TEST(DbGrants, TheAppCanReadAndInsertOnly) {
  const auto& app = cluster().accounts.app;
  auto insert = as(app, "INSERT INTO foobar.posts (author, body, created_at) VALUES ('grants', 'may insert', NOW())");
  EXPECT_EQ(insert.status, 0) << insert.output;
  auto select = as(app, "SELECT COUNT(*) FROM foobar.posts WHERE author = 'grants'");
  EXPECT_EQ(select.status, 0) << select.output;
  EXPECT_EQ(select.output, "1\n");
  for (const std::string sql : {"DELETE FROM foobar.posts", "UPDATE foobar.posts SET body = 'x'", "DROP TABLE foobar.posts",
                                "CREATE TABLE foobar.t (i INT)", "SELECT user FROM mysql.user"}) {
    auto r = as(app, sql);
    EXPECT_NE(r.status, 0) << sql;
    EXPECT_NE(r.output.find("denied"), std::string::npos)
        << sql << ": " << r.output;
  }
  auto count = ctl::admin_query(cluster().primary, "SELECT COUNT(*) FROM foobar.posts WHERE author = 'grants'");
  EXPECT_EQ(count[0][0], "1") << "the refused DELETE deleted nothing";
}

TEST(DbGrants, RootOnlyOverTheUnixSocket) {
  ctl::Account root{"root", "", {}};
  auto r = as(root, "SELECT 1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("Access denied for user 'root'"), std::string::npos) << r.output;
  EXPECT_EQ(ctl::admin_query(cluster().primary, "SELECT CURRENT_USER()")[0][0], "root@localhost");
}

TEST(DbGrants, BootstrapAgainDropsTheSameUserElsewhereAndWhatInstallLeftOver) {
  auto& c = cluster();
  ctl::admin_query(c.primary,
                   "CREATE USER 'foobar_app'@'%' IDENTIFIED BY 'x'; GRANT ALL ON *.* TO 'foobar_app'@'%';"
                   "CREATE USER ''@'localhost'; CREATE USER 'root'@'127.0.0.1'; CREATE DATABASE test");
  ctl::setup_primary(c.primary, c.accounts, source_dir() / "site" / "schema.sql");
  auto left = ctl::admin_query(c.primary,
                               "SELECT COUNT(*) FROM mysql.global_priv WHERE (user = 'foobar_app' AND host = '%') OR "
                               "user = '' OR (user = 'root' AND host <> 'localhost')");
  EXPECT_EQ(left[0][0], "0");
  EXPECT_TRUE(ctl::admin_query(c.primary, "SHOW DATABASES LIKE 'test'").empty());
  EXPECT_EQ(grants(c.accounts.app.user, "127.0.0.1").size(), 2u);
}

}  // namespace
}  // namespace foobar::test
