// The supervisor with real role processes and no database: a stack of two web
// servers, detached, supervised (SIGKILL -> restarted, logged), stopped by down.
#include <filesystem>
#include <fstream>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

namespace fs = std::filesystem;

TEST(UpWebOnly, DetachSuperviseStatusDown) {
  Stack s(4);
  s.config = (s.dir / "web.toml").string();
  std::ofstream(s.config) << "[lb]\nenabled = false\n[web]\ncount = 2\n[app]\ncount = 0\n[db]\nenabled = false\n[monitoring]\nenabled = false\n";
  int rc = -1;
  std::vector<std::string> argv = s.argv({"--detach"});
  std::string cmd;
  for (auto& a : argv) cmd += a + " ";
  std::string out = run(cmd + "2>&1", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("ok      start web1 on 127.0.0.1:" + std::to_string(s.port_base + 1)), std::string::npos) << out;
  EXPECT_NE(out.find("www.foobar.com is up: http://127.0.0.1:" + std::to_string(s.port_base + 1) + "/"),
            std::string::npos) << out;

  // Both web servers serve the site.
  for (int port : {s.port_base + 1, s.port_base + 2}) {
    auto r = http_get(port, "/");
    EXPECT_EQ(r.status, 200) << port;
  }
  json st = s.status(&rc);
  EXPECT_EQ(rc, 0) << st.dump(2);
  EXPECT_TRUE(st["all_up"].get<bool>());
  ASSERT_EQ(st["nodes"].size(), 2u);
  int web1 = st["nodes"][0]["pid"];
  EXPECT_TRUE(alive(web1));
  EXPECT_EQ(st["nodes"][0]["name"], "web1");
  EXPECT_EQ(st["nodes"][0]["state"], "up");
  // The pid file, the log, and the secrets dir mode.
  std::ifstream pidf(s.state_dir + "/pids/web1.pid");
  int from_file = 0;
  pidf >> from_file;
  EXPECT_EQ(from_file, web1);
  EXPECT_EQ(fs::status(s.state_dir + "/secrets").permissions(), fs::perms::owner_all);

  // A dead role process is restarted, and the restart logged.
  ::kill(web1, SIGKILL);
  ASSERT_TRUE(eventually([&] {
    json n = s.node("web1");
    return n["up"].get<bool>() && n["pid"].get<int>() != web1;
  }, 10s)) << s.status().dump(2);
  json n = s.node("web1");
  EXPECT_EQ(n["restarts"], 1);
  EXPECT_EQ(n["last_exit"], "signal 9 (Killed)");
  EXPECT_NE(s.log("web1").find("--- foobar up: web1 exited (signal 9 (Killed))"), std::string::npos);
  EXPECT_NE(s.log("up").find("web1 exited (signal 9 (Killed))"), std::string::npos) << s.log("up");
  EXPECT_EQ(http_get(s.port_base + 1, "/").status, 200);

  // down stops everything and frees the ports.
  int pids[2] = {s.node("web1")["pid"], s.node("web2")["pid"]};
  out = run(foobar_bin() + " down --state-dir " + s.state_dir + " 2>&1", &rc);
  EXPECT_EQ(rc, 0) << out;
  for (int pid : pids) EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(port_free(s.port_base + 1));
  EXPECT_TRUE(port_free(s.port_base + 2));
  st = s.status(&rc);
  EXPECT_NE(rc, 0);
  EXPECT_FALSE(st["all_up"].get<bool>());
  EXPECT_EQ(st["nodes"][0]["up"], false);
}

TEST(UpWebOnly, ForegroundCtrlCStopsEverything) {
  Stack s(4);
  s.config = (s.dir / "web.toml").string();
  std::ofstream(s.config) << "[lb]\nenabled = false\n[web]\ncount = 2\n[app]\ncount = 0\n[db]\nenabled = false\n[monitoring]\nenabled = false\n";
  s.start(30s);
  json st = s.status();
  std::vector<int> pids;
  for (auto& n : st["nodes"]) pids.push_back(n["pid"]);
  ASSERT_EQ(pids.size(), 2u);
  s.up->signal(SIGINT);
  EXPECT_EQ(s.up->wait_exit(30s), 0) << s.up->output();
  for (int pid : pids) EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(port_free(s.port_base + 1));
  EXPECT_TRUE(port_free(s.port_base + 2));
  std::string out = s.up->output();
  EXPECT_NE(out.find("Interrupt received, stopping everything"), std::string::npos) << out;
}

}  // namespace
}  // namespace foobar::test::up
