// Encryption inside the site: under `foobar up` the app talks to MariaDB, and
// MariaDB replicates, over TLS only; with backend_tls the lb re-encrypts towards
// the web servers and they towards the app servers. A capture of the loopback
// (the test's own AF_PACKET socket) while a post is written and read back holds
// the post's text in the plain HTTP to the lb (so the capture sees what is in
// clear) and neither the text, nor SQL, nor an account name on any database
// port, nor the text or any HTTP on a web or app port; every database server
// requires TLS of its TCP clients.
#include <fstream>
#include <set>

#include "support/loopback_capture.hpp"
#include "up_support.hpp"

namespace foobar::test::up {
namespace {

TEST(UpTlsInside, NothingInClearBehindTheLb) {
  Stack s;
  s.config = (s.dir / "topology.toml").string();
  std::ofstream(s.config) << "[lb]\nbackend_tls = true\n\n[web]\nbackend_tls = true\n";
  s.start();
  json st = s.status();
  std::set<int> db_ports, tier_ports;
  for (auto& n : st["nodes"]) {
    const auto role = n["role"].get<std::string>();
    const auto address = n["address"].get<std::string>();
    const int port = std::stoi(address.substr(address.rfind(':') + 1));
    if (role.starts_with("db-")) db_ports.insert(port);
    if (role == "web" || role == "app") tier_ports.insert(port);
  }
  ASSERT_EQ(db_ports.size(), 3u) << st.dump(2);
  ASSERT_EQ(tier_ports.size(), 4u) << st.dump(2);

  LoopbackCapture capture({db_ports, {s.http_port}, tier_ports});
  ASSERT_TRUE(capture.ok()) << "no AF_PACKET socket (the test runs as root)";
  const std::string canary = "canary-in-clear-7f3a91";
  const std::string body = "{\"author\":\"tls\",\"body\":\"" + canary + "\"}";
  auto r = http_raw(s.http_port, "POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                 "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = json::parse(r.body)["id"].get<std::uint64_t>();
  EXPECT_TRUE(eventually([&] {
    auto g = http_get(s.http_port, "/api/posts/" + std::to_string(id));  // from a replica: replicated
    return g.status == 200 && g.body.find(canary) != std::string::npos;
  }, 10s, 100ms));
  std::this_thread::sleep_for(500ms);  // the last frames
  const auto taken = capture.taken();
  const std::string &db = taken[0], &http = taken[1], &tiers = taken[2];

  ASSERT_NE(http.find(canary), std::string::npos) << "the capture misses what travels in clear";
  EXPECT_GT(db.size(), 1000u) << "nothing captured on the database ports";
  for (const std::string& clear : {canary, std::string("INSERT"), std::string("SELECT"), std::string("foobar_app"),
                                  std::string("foobar_repl"), std::string("foobar_monitor")})
    EXPECT_EQ(db.find(clear), std::string::npos) << "'" << clear << "' in clear on a database port";
  EXPECT_GT(tiers.size(), 1000u) << "nothing captured on the web and app ports";
  for (const std::string& clear : {canary, std::string("HTTP/1.1"), std::string("POST"), std::string("/api/")})
    EXPECT_EQ(tiers.find(clear), std::string::npos) << "'" << clear << "' in clear on a web or app port";

  // Every server refuses TCP clients without TLS (the Unix socket stays root's way in).
  for (const char* node : {"db-primary", "db-replica1", "db-replica2"}) {
    const auto v = run("mariadb --user=root --socket=" + s.state_dir + "/db/" + node +
                       "/mysqld.sock -N -e 'SELECT @@require_secure_transport'");
    EXPECT_EQ(v, "1\n") << node;
  }
}

}  // namespace
}  // namespace foobar::test::up
