#include "ctl/status.hpp"
#include "core/files.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ctl/state_dir.hpp"
#include "ctl/topology.hpp"
#include "core/runtime.hpp"
#include "http/metrics_handler.hpp"
#include "http/server.hpp"

namespace foobar::ctl {
namespace {

namespace fs = std::filesystem;

struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

// A role's admin listener that says it answered `requests` (the real handler and server).
struct FakeAdmin {
  core::Runtime rt{1};
  core::metrics::Registry metrics{1};
  std::unique_ptr<http::Server> server;
  std::thread thread;
  explicit FakeAdmin(std::uint64_t requests) {
    metrics.counter("foobar_http_requests_total", "Requests.", {{"role", "app"}, {"code", "2xx"}}).add(0, requests);
    metrics.counter("foobar_http_requests_total", "Requests.", {{"role", "app"}, {"code", "5xx"}});
    http::ServerConfig cfg;
    cfg.listen = net::Address::parse_or_throw("127.0.0.1:0", net::Address::Use::Listen);
    cfg.limits.header_timeout = std::chrono::milliseconds(400);  // a quick stop
    server = std::make_unique<http::Server>(rt, cfg, [this](unsigned, asio::io_context&) {
      return std::make_unique<http::MetricsHandler>(metrics);
    });
    rt.on_stop([this] { server->stop(); });
    thread = std::thread([this] { rt.run(); });
  }
  ~FakeAdmin() {
    rt.stop();
    thread.join();
  }
  std::string address() const { return net::Address(server->local_endpoint()).str(); }
};

struct Fixture : ::testing::Test {
  fs::path root;
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "foobar-status-XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(root); }
};

using Status = Fixture;

TEST_F(Status, NoStack) {
  auto s = collect_status(root / "nothing");
  EXPECT_FALSE(s.running);
  EXPECT_FALSE(s.all_up);
  EXPECT_NE(render_table(s).find("no stack in"), std::string::npos);
}

TEST_F(Status, LiveNodesCountersAndDownNodes) {
  StateDir dir(root / "st");
  dir.create();
  dir.lock();  // this test process plays the running `foobar up`
  Topology topo = parse_topology("[lb]\nenabled = false\n[web]\ncount = 0\n[app]\ncount = 2\n", "t.toml");
  core::write_file_atomic(dir.root() / "topology.toml", to_toml(topo));
  Listener app1;
  StackRecord rec;
  rec.up_pid = ::getpid();
  rec.phase = "running";
  rec.url = "http://127.0.0.1:8080/";
  FakeAdmin app1_admin(3);
  rec.nodes.push_back(
      {"app1", "app", "127.0.0.1:" + std::to_string(app1.port), app1_admin.address(), ::getpid(), "up", 1, 0, ""});
  // app2: its process is gone (pid 0), last seen crashing.
  rec.nodes.push_back({"app2", "app", "127.0.0.1:1", "", 0, "crashing", 0, 7, "exit 1"});
  core::write_file_atomic(dir.stack_file(), to_json(rec));

  StackStatus s = collect_status(dir.root(), false);
  EXPECT_TRUE(s.running);
  EXPECT_FALSE(s.all_up);
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_TRUE(s.nodes[0].up);
  EXPECT_EQ(s.nodes[0].requests, 3);
  EXPECT_FALSE(s.nodes[1].up);
  EXPECT_EQ(s.nodes[1].rec.state, "down");

  auto j = nlohmann::json::parse(render_json(s));
  EXPECT_EQ(j["all_up"], false);
  EXPECT_EQ(j["running"], true);
  EXPECT_EQ(j["nodes"][0]["up"], true);
  EXPECT_EQ(j["nodes"][0]["requests"], 3);
  EXPECT_EQ(j["nodes"][1]["restarts"], 7);
  EXPECT_EQ(j["nodes"][1]["last_exit"], "exit 1");

  std::string table = render_table(s);
  EXPECT_NE(table.find("running (foobar up pid " + std::to_string(::getpid()) + ")"), std::string::npos) << table;
  EXPECT_NE(table.find("down (exit 1)"), std::string::npos) << table;

  // Everything up -> all_up.
  rec.nodes.pop_back();
  core::write_file_atomic(dir.stack_file(), to_json(rec));
  EXPECT_TRUE(collect_status(dir.root(), false).all_up);
}

TEST_F(Status, AStackThatIsNotRunningIsAllDown) {
  StateDir dir(root / "st");
  dir.create();
  Listener l;
  StackRecord rec;
  rec.up_pid = 999999;
  rec.nodes.push_back({"web1", "web", "127.0.0.1:" + std::to_string(l.port), "", ::getpid(), "up", 1, 0, ""});
  core::write_file_atomic(dir.stack_file(), to_json(rec));
  auto s = collect_status(dir.root(), false);
  EXPECT_FALSE(s.running);
  EXPECT_FALSE(s.all_up);
  EXPECT_FALSE(s.nodes[0].up);
  EXPECT_NE(render_table(s).find("not running"), std::string::npos);
}

}  // namespace
}  // namespace foobar::ctl
