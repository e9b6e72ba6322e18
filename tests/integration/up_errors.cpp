// `foobar up` refuses to start, with an error the user can act on, and starts
// nothing: invalid config, a port in use, a state dir owned by a running stack.
#include <filesystem>
#include <fstream>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

namespace fs = std::filesystem;

TEST(UpErrors, PrintConfigIsAValidTopology) {
  Stack s;
  int rc = -1;
  std::string text = run(foobar_bin() + " up --print-config --http-port 9999 --port-base 21000", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(text.find("listen = \"127.0.0.1:9999\""), std::string::npos) << text;
  EXPECT_NE(text.find("port_base = 21000"), std::string::npos) << text;
  EXPECT_NE(text.find("[db]"), std::string::npos);
  std::string file = (s.dir / "printed.toml").string();
  std::ofstream(file) << text;
  // Read back: the same file prints the same text.
  EXPECT_EQ(run(foobar_bin() + " up --print-config --config " + file, &rc), text);
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(fs::exists(".foobar-should-not-exist"));
}

TEST(UpErrors, InvalidConfigNamesLineAndKeyAndStartsNothing) {
  Stack s;
  std::string file = (s.dir / "bad.toml").string();
  std::ofstream(file) << "port_base = 21000\n\n[web]\ncount = 2\nthreads = \"many\"\n";
  int rc = -1;
  std::string out = run(foobar_bin() + " up --config " + file + " --state-dir " + s.state_dir + " 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find(file + ":5: key 'web.threads': expected an integer"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(s.state_dir)) << "nothing may be created or started";
}

TEST(UpErrors, PortInUseNamesThePortAndItsOwner) {
  Stack s;
  // Someone else holds the port the stack wants for web1.
  int port = s.port_base + 1;
  Process squatter({"python3", "-c",
                    "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    "s.bind(('127.0.0.1'," + std::to_string(port) + "))\ns.listen()\n"
                    "print('squatter listening on 127.0.0.1:" + std::to_string(port) + "',flush=True)\ntime.sleep(60)"});
  squatter.wait_port("squatter");
  int rc = -1;
  std::string out = run(foobar_bin() + " up --state-dir " + s.state_dir + " --http-port " +
                            std::to_string(s.http_port) + " --port-base " + std::to_string(s.port_base) + " 2>&1",
                        &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("port " + std::to_string(s.port_base + 1) + " on 127.0.0.1 (web1) is already in use by pid " +
                     std::to_string(squatter.pid()) + " (python3)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("start "), std::string::npos) << "nothing may be started:\n" << out;
  EXPECT_TRUE(port_free(s.port_base + 2));
}

TEST(UpErrors, StateDirOfARunningStackIsRefused) {
  Stack s;
  s.config = (s.dir / "empty.toml").string();
  // A stack with no nodes at all still owns its state dir.
  std::ofstream(s.config) << "[lb]\nenabled = false\n[web]\ncount = 0\n[app]\ncount = 0\n[db]\nenabled = false\n[monitoring]\nenabled = false\n";
  Process first(s.argv());
  first.wait_for("is up");
  int rc = -1;
  std::string out = run(foobar_bin() + " up --config " + s.config + " --state-dir " + s.state_dir + " 2>&1", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("is in use by a running stack (foobar up, pid " + std::to_string(first.pid()) + ")"),
            std::string::npos)
      << out;
  EXPECT_TRUE(first.running());
  first.signal(SIGINT);
  EXPECT_EQ(first.wait_exit(20s), 0);
  // Once it is gone the dir is free again.
  std::string again = run(foobar_bin() + " down --state-dir " + s.state_dir + " 2>&1", &rc);
  EXPECT_EQ(rc, 1) << again;
  EXPECT_NE(again.find("no running stack"), std::string::npos) << again;
}

}  // namespace
}  // namespace foobar::test::up
