#include "ctl/supervisor.hpp"
#include "core/files.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "ctl/state_dir.hpp"

namespace foobar::ctl {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Dir {
  fs::path path;
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "foobar-sup-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~Dir() { fs::remove_all(path); }
};

ChildSpec sh(const Dir& d, const std::string& name, const std::string& script) {
  ChildSpec s;
  s.name = name;
  s.argv = {"/bin/sh", "-c", script};
  s.self = false;
  s.log = d.path / (name + ".log");
  s.pid_file = d.path / (name + ".pid");
  s.stop_timeout = 2s;
  return s;
}

bool alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// Polls the supervisor until pred holds or 5 s pass.
template <class Pred>
bool poll_until(Supervisor& sup, Pred pred) {
  for (int i = 0; i < 500; ++i) {
    sup.poll();
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(RestartDelay, DoublesUpToThirtySeconds) {
  EXPECT_EQ(restart_delay(1), 250ms);
  EXPECT_EQ(restart_delay(2), 500ms);
  EXPECT_EQ(restart_delay(3), 1000ms);
  EXPECT_EQ(restart_delay(8), 30s);
  EXPECT_EQ(restart_delay(50), 30s);
}

TEST(Supervisor, LogAndPidFileThenStop) {
  Dir d;
  Supervisor sup([](const std::string&) {});
  sup.start(sh(d, "a", "echo hello from a; exec sleep 30"));
  EXPECT_EQ(sup.wait_ready("a", 2s, {}), "");  // no ready endpoints: up at once
  pid_t pid = sup.status()[0].pid;
  ASSERT_TRUE(alive(pid));
  EXPECT_EQ(core::read_file(d.path / "a.pid"), std::to_string(pid) + "\n");
  ASSERT_TRUE(poll_until(sup, [&] { return core::read_file(d.path / "a.log").find("hello from a") != std::string::npos; }));
  sup.stop_all();
  EXPECT_FALSE(alive(pid));
  EXPECT_FALSE(fs::exists(d.path / "a.pid"));
  EXPECT_EQ(sup.status()[0].state, ChildState::stopped);
}

TEST(Supervisor, RestartsADeadChildAndLogsIt) {
  Dir d;
  std::vector<std::string> lines;
  Supervisor sup([&](const std::string& l) { lines.push_back(l); }, 10ms);
  sup.start(sh(d, "w", "exec sleep 30"));
  ASSERT_EQ(sup.wait_ready("w", 2s, {}), "");
  pid_t first = sup.status()[0].pid;
  ::kill(first, SIGKILL);
  ASSERT_TRUE(poll_until(sup, [&] {
    auto s = sup.status()[0];
    return s.pid != 0 && s.pid != first && s.state == ChildState::up;
  }));
  auto s = sup.status()[0];
  EXPECT_EQ(s.restarts, 1);
  EXPECT_EQ(s.last_exit, "signal 9 (Killed)");
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("w exited (signal 9 (Killed))"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("restart 1"), std::string::npos) << lines[0];
  EXPECT_NE(core::read_file(d.path / "w.log").find("--- foobar up: w exited"), std::string::npos);
  EXPECT_TRUE(alive(s.pid));
}

TEST(Supervisor, RepeatedCrashesAreReported) {
  Dir d;
  Supervisor sup([](const std::string&) {}, 5ms);
  sup.start(sh(d, "c", "exit 3"));
  ASSERT_TRUE(poll_until(sup, [&] { return sup.status()[0].restarts >= Supervisor::crash_restarts; }));
  auto s = sup.status()[0];
  EXPECT_EQ(s.state, ChildState::crashing);
  EXPECT_EQ(s.last_exit, "exit 3");
}

TEST(Supervisor, BackoffGrows) {
  Dir d;
  Supervisor sup([](const std::string&) {}, 100ms);
  sup.start(sh(d, "c", "exit 1"));
  // Restarts after 100, 200, 400 ms: within 0.5 s at most two restarts happen.
  auto until = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < until) {
    sup.poll();
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(sup.status()[0].restarts, 2);
  EXPECT_LE(sup.status()[0].restarts, 3);
}

TEST(Supervisor, StopsInReverseOrder) {
  Dir d;
  Supervisor sup([](const std::string&) {});
  std::string order = (d.path / "order").string();
  for (std::string n : {"primary", "app", "web", "lb"})
    sup.start(sh(d, n, "trap 'echo " + n + " >> " + order + "; exit 0' TERM; while :; do sleep 0.02; done"));
  for (std::string n : {"primary", "app", "web", "lb"}) ASSERT_EQ(sup.wait_ready(n, 2s, {}), "");
  std::this_thread::sleep_for(100ms);  // let each shell install its trap
  sup.stop_all();
  EXPECT_EQ(core::read_file(order), "lb\nweb\napp\nprimary\n");
}

TEST(Supervisor, KillsAChildThatIgnoresSigterm) {
  Dir d;
  std::vector<std::string> lines;
  Supervisor sup([&](const std::string& l) { lines.push_back(l); });
  auto spec = sh(d, "stubborn", "trap '' TERM; while :; do sleep 0.02; done");
  spec.stop_timeout = 300ms;
  sup.start(spec);
  std::this_thread::sleep_for(100ms);
  pid_t pid = sup.status()[0].pid;
  auto t0 = std::chrono::steady_clock::now();
  sup.stop_all();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_FALSE(alive(pid));
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("killing it"), std::string::npos);
}

int listener(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

TEST(Supervisor, ReadyMeansAcceptingOnItsPort) {
  Dir d;
  int port = 0;
  int fd = listener(port);  // bound, not listening: connections are refused
  Supervisor sup([](const std::string&) {});
  auto spec = sh(d, "svc", "exec sleep 30");
  spec.ready = {net::Address::parse_or_throw("127.0.0.1:" + std::to_string(port), net::Address::Use::Connect)};
  sup.start(spec);
  EXPECT_EQ(sup.wait_ready("svc", 300ms, {}), "svc did not accept connections within 0 s");
  ::listen(fd, 4);
  EXPECT_EQ(sup.wait_ready("svc", 2s, {}), "");
  ::close(fd);

  auto dies = sh(d, "dies", "exit 2");
  dies.ready = spec.ready;  // closed now: never ready
  sup.start(dies);
  auto why = sup.wait_ready("dies", 2s, {});
  EXPECT_EQ(why, "dies exited (exit 2) before it was ready");
  EXPECT_EQ(sup.wait_ready("svc", 2s, [] { return true; }), "");  // already up
}

TEST(StateDir, SecretsAreGeneratedOnceWithMode0600) {
  Dir d;
  StateDir sd(d.path / "st");
  sd.create();
  std::string a = sd.secret("app.password");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(sd.secret("app.password"), a);
  EXPECT_NE(sd.secret("repl.password"), a);
  auto perms = fs::status(sd.secret_path("app.password")).permissions();
  EXPECT_EQ(perms, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(sd.secrets()).permissions(), fs::perms::owner_all);
}

TEST(StateDir, OneRunningStackPerDir) {
  Dir d;
  EXPECT_EQ(StateDir::owner(d.path / "st"), 0);
  StateDir first(d.path / "st");
  first.create();
  first.lock();
  EXPECT_EQ(StateDir::owner(d.path / "st"), ::getpid());
  StateDir second(d.path / "st");
  try {
    second.lock();
    FAIL() << "second lock succeeded";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("is in use by a running stack (foobar up, pid " + std::to_string(::getpid()) + ")"),
              std::string::npos) << msg;
    EXPECT_NE(msg.find("foobar down --state-dir"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace foobar::ctl
