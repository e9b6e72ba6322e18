// The database tier of `foobar up` on its own (real mariadbd): data dirs,
// users, schema, GTID replication and catch-up, secrets kept secret,
// supervision of mariadbd, Ctrl-C, and a second up reusing the data.
#include <filesystem>
#include <fstream>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

namespace fs = std::filesystem;

std::string secret(const Stack& s, const std::string& name) {
  std::ifstream in(s.state_dir + "/secrets/" + name);
  std::string v;
  in >> v;
  return v;
}

// Runs SQL as the app user on the node at port; returns the output (tab-separated, no headers).
std::string sql(const Stack& s, int port, const std::string& query, int* rc = nullptr) {
  return run("MYSQL_PWD=" + secret(s, "app.password") + " mariadb -h127.0.0.1 -P" + std::to_string(port) +
                 " -ufoobar_app -N -B foobar -e \"" + query + "\" 2>&1",
             rc);
}

bool caught_up(const Stack& s) {
  json st = s.status();
  if (!st["all_up"].get<bool>()) return false;
  for (auto& n : st["nodes"])
    if (n["role"] == "db-replica" && !n["db"]["caught_up"].get<bool>()) return false;
  return true;
}

TEST(UpDatabase, PrimaryReplicaSupervisedAndPersistent) {
  Stack s(8);
  s.config = (s.dir / "db.toml").string();
  std::ofstream(s.config) << "[lb]\nenabled = false\n[web]\ncount = 0\n[app]\ncount = 0\n[monitoring]\nenabled = false\n";
  s.up = std::make_unique<Process>(s.argv());
  s.up->wait_for("the stack is up", 120s);
  int primary = s.port_base + 1, replica = s.port_base + 2;
  std::string out = s.up->output();
  EXPECT_NE(out.find("initialize DB data dirs (mariadb-install-db)"), std::string::npos) << out;
  EXPECT_NE(out.find("wait for db-replica1 to catch up"), std::string::npos) << out;

  json st = s.status();
  ASSERT_EQ(st["nodes"].size(), 3u) << st.dump(2);  // a primary and two replicas
  EXPECT_EQ(st["nodes"][0]["db"]["read_only"], false);
  EXPECT_EQ(st["nodes"][0]["db"]["role"], "primary");
  EXPECT_EQ(st["nodes"][0]["db"]["semi_sync"], true);
  for (int i : {1, 2}) {
    EXPECT_EQ(st["nodes"][i]["db"]["read_only"], true);
    EXPECT_EQ(st["nodes"][i]["db"]["role"], "replica");
  }
  EXPECT_TRUE(eventually([&] { return caught_up(s); }, 10s)) << s.status().dump(2);

  // Secrets: 0600, and never printed or logged.
  for (std::string name : {"app.password", "replication.password", "monitor.password"}) {
    std::string value = secret(s, name);
    ASSERT_EQ(value.size(), 32u);
    EXPECT_EQ(fs::status(s.state_dir + "/secrets/" + name).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(s.up->output().find(value), std::string::npos) << name << " printed";
    for (auto& f : fs::recursive_directory_iterator(s.state_dir + "/logs")) {
      std::ifstream in(f.path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(text.find(value), std::string::npos) << name << " in " << f.path();
    }
  }

  // Written on the primary, replicated to the replica.
  int rc = -1;
  sql(s, primary, "INSERT INTO posts (author, body) VALUES ('it', 'kept across restarts')", &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_TRUE(eventually([&] { return sql(s, replica, "SELECT body FROM posts").find("kept across restarts") !=
                                      std::string::npos; }, 10s));

  // mariadbd killed: the supervisor restarts it and replication runs again.
  ASSERT_TRUE(s.node("db-replica1").is_object()) << s.status().dump(2);
  int replica_pid = s.node("db-replica1")["pid"];
  ::kill(replica_pid, SIGKILL);
  EXPECT_TRUE(eventually([&] {
    json n = s.node("db-replica1");
    return n["up"].get<bool>() && n["pid"].get<int>() != replica_pid && caught_up(s);
  }, 30s)) << s.status().dump(2);
  EXPECT_EQ(s.node("db-replica1")["restarts"], 1);

  // Ctrl-C: both mariadbds gone, ports free.
  std::vector<int> pids;
  json all = s.status();
  for (auto& n : all["nodes"]) pids.push_back(n["pid"]);
  s.up->signal(SIGINT);
  ASSERT_EQ(s.up->wait_exit(60s), 0) << s.up->output();
  for (int pid : pids) EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(port_free(primary));
  EXPECT_TRUE(port_free(replica));

  // Second up: no re-initialization, the row is still on both.
  s.up = std::make_unique<Process>(s.argv());
  s.up->wait_for("the stack is up", 60s);
  out = s.up->output();
  EXPECT_EQ(out.find("mariadb-install-db"), std::string::npos) << out;
  EXPECT_NE(out.find("existing data reused"), std::string::npos) << out;
  EXPECT_NE(sql(s, primary, "SELECT body FROM posts").find("kept across restarts"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return caught_up(s); }, 10s)) << s.status().dump(2);
  EXPECT_NE(sql(s, replica, "SELECT body FROM posts").find("kept across restarts"), std::string::npos);
  s.up->signal(SIGINT);
  EXPECT_EQ(s.up->wait_exit(60s), 0);
}

}  // namespace
}  // namespace foobar::test::up
