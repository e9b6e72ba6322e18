// End to end, as issue 5 section 4 says: `foobar up` (built-in default topology:
// lb -> 2 web -> 2 app -> MariaDB primary + replica) in a temp state dir on free
// ports; the site through the lb; fair shares; status; supervision; Ctrl-C; and
// a second `up` on the same state dir keeps the data.
#include <map>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

// Requests served per node, from `foobar status --json` (the lb's and roles' own counters).
std::map<std::string, long long> served(const Stack& s) {
  std::map<std::string, long long> out;
  json st = s.status();
  for (auto& n : st["nodes"])
    if (!n["requests"].is_null()) out[n["name"]] = n["requests"].get<long long>();
  return out;
}

TEST(UpStack, WholeInfrastructureOnOneMachine) {
  Stack s;
  std::string url = s.start();
  EXPECT_EQ(url, "http://127.0.0.1:" + std::to_string(s.http_port) + "/");
  int lb = s.http_port;

  // Static page through lb -> web.
  auto page = http_get(lb, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  // The same over HTTPS, curl trusting only the local CA that `foobar up` made.
  const std::string https_url = "https://127.0.0.1:" + std::to_string(s.https_port) + "/";
  int curl_rc = -1;
  std::string over_tls = run("curl -sS --cacert " + s.state_dir + "/tls/ca.pem " + https_url + " 2>&1", &curl_rc);
  EXPECT_EQ(curl_rc, 0) << over_tls;
  EXPECT_EQ(over_tls, page.body);
  EXPECT_EQ(s.status()["https_url"], https_url);

  // POST then GET through lb -> web -> app -> primary / replica.
  std::string marker = "it-post-" + std::to_string(::getpid());
  auto created = post_json(lb, "/api/posts", R"({"author":"up_stack","body":")" + marker + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = json::parse(created.body)["id"];
  // As a browser would: the read-your-writes cookie from the POST goes with the GET.
  std::string cookie = created.header("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  auto list = http_get(lb, "/api/posts", {"Cookie: " + cookie});
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(marker), std::string::npos) << list.body;

  // Fair shares: each web and each app server takes about half, by their own counters.
  auto before = served(s);
  ASSERT_TRUE(before.count("web1") && before.count("web2") && before.count("app1") && before.count("app2"))
      << s.status().dump(2);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(http_get(lb, "/").status, 200);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(http_get(lb, "/api/posts?limit=1").status, 200);
  auto after = served(s);
  long long w1 = after["web1"] - before["web1"], w2 = after["web2"] - before["web2"];
  long long a1 = after["app1"] - before["app1"], a2 = after["app2"] - before["app2"];
  EXPECT_GE(w1 + w2, 80);
  EXPECT_LE(std::abs(w1 - w2), 4) << w1 << " vs " << w2;
  EXPECT_GE(a1 + a2, 40);
  EXPECT_LE(std::abs(a1 - a2), 6) << a1 << " vs " << a2;

  // Status: everything up, the replica running and caught up.
  int rc = -1;
  ASSERT_TRUE(eventually([&] {
    json st = s.status(&rc);
    if (rc != 0 || !st["all_up"].get<bool>()) return false;
    for (auto& n : st["nodes"])
      if (n["role"] == "db-replica" && !(n["db"]["caught_up"].get<bool>() && n["db"]["replication_running"].get<bool>()))
        return false;
    return true;
  }, 20s)) << s.status().dump(2);
  json st = s.status();
  EXPECT_EQ(st["nodes"].size(), 8u);  // a primary, two replicas, two apps, two webs, the lb
  for (auto& n : st["nodes"]) EXPECT_EQ(n["state"], "up") << n.dump();

  // SIGKILL one app server: restarted by the supervisor, requests keep succeeding.
  int app1 = s.node("app1")["pid"];
  ASSERT_TRUE(alive(app1));
  ::kill(app1, SIGKILL);
  int failed = 0;
  for (int i = 0; i < 30; ++i) {
    if (http_get(lb, "/api/posts?limit=1").status != 200) ++failed;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(failed, 0);
  ASSERT_TRUE(eventually([&] {
    json n = s.node("app1");
    return n["up"].get<bool>() && n["pid"].get<int>() != app1;
  }, 15s)) << s.status().dump(2);
  EXPECT_EQ(s.node("app1")["restarts"], 1);
  EXPECT_NE(s.up->output().find("app1 exited (signal 9 (Killed))"), std::string::npos);

  // Ctrl-C: every process gone, every port free.
  std::vector<int> pids;
  json all = s.status();
  for (auto& n : all["nodes"]) pids.push_back(n["pid"]);
  s.up->signal(SIGINT);
  ASSERT_EQ(s.up->wait_exit(90s), 0) << s.up->output();
  for (int pid : pids) EXPECT_FALSE(alive(pid)) << pid;
  EXPECT_TRUE(port_free(s.http_port));
  for (int p = s.port_base; p < s.port_base + 7; ++p) EXPECT_TRUE(port_free(p)) << p;
  EXPECT_NE(s.status(&rc)["all_up"], true);
  EXPECT_NE(rc, 0);

  // A second up on the same state dir: no re-init, the earlier post is still there.
  s.start();
  EXPECT_NE(s.up->output().find("existing data reused"), std::string::npos) << s.up->output();
  auto again = http_get(lb, "/api/posts/" + id.dump());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find(marker), std::string::npos);
  s.up->signal(SIGINT);
  EXPECT_EQ(s.up->wait_exit(90s), 0);
}

}  // namespace
}  // namespace foobar::test::up
