// The admin listeners' bearer tokens (issue 13 §3) on real roles: changes need
// the admin token, reads need the read token once one is set, refusals are
// 401 with a challenge (403 for a read token on a change) and counted, a token
// is never logged, and an admin address off loopback needs a token to start.
#include <gtest/gtest.h>

#include <fstream>

#include "lb_fixture.hpp"

using namespace foobar::test;
using namespace lbtest;

namespace {

HttpResponse admin_request(int port, const std::string& method, const std::string& path,
                           const std::string& token = "") {
  std::string raw = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n";
  if (!token.empty()) raw += "Authorization: Bearer " + token + "\r\n";
  return http_raw(port, raw + "\r\n");
}

// The value of the sample line that starts with series ("name{labels}"), or -1.
double sample(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

}  // namespace

TEST(AdminAuth, ChangesNeedTheAdminTokenAndReadsStayOpen) {
  Backend a("a");
  Lb lb(Lb::backends({&a}));
  const std::string drain = "/backends/" + a.addr() + "/drain";

  auto none = admin_request(lb.admin, "POST", drain);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"foobar admin\"");
  auto wrong = admin_request(lb.admin, "POST", drain, "not-the-token-but-long-enough");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("WWW-Authenticate"), "Bearer realm=\"foobar admin\", error=\"invalid_token\"");
  auto basic = http_raw(lb.admin, "POST " + drain + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n"
                                  "Authorization: Basic " + lb.token.token + "\r\n\r\n");
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(lb.backend_stats(a)["admin"], "enabled") << "a refused change took effect";

  EXPECT_EQ(admin_request(lb.admin, "POST", drain, lb.token.token).status, 200);
  EXPECT_EQ(lb.backend_stats(a)["admin"], "draining");
  EXPECT_EQ(admin_request(lb.admin, "GET", "/stats.json").status, 200) << "reads need no token without a read token";

  const auto metrics = admin_request(lb.admin, "GET", "/metrics").body;
  EXPECT_EQ(sample(metrics, "foobar_admin_auth_failures_total{reason=\"missing\"}"), 2) << metrics;
  EXPECT_EQ(sample(metrics, "foobar_admin_auth_failures_total{reason=\"invalid\"}"), 1);
  EXPECT_EQ(sample(metrics, "foobar_admin_auth_failures_total{reason=\"forbidden\"}"), 0);
  EXPECT_EQ(lb.proc->output().find(lb.token.token), std::string::npos) << "the token reached the log";
}

TEST(AdminAuth, AReadTokenGuardsReadsAndMayNotChange) {
  Backend a("a");
  TokenFile reader("read-only-scrape-token-42");
  Lb lb(std::vector<std::string>{"--backend", a.addr(), "--admin-read-token-file", reader.path});

  EXPECT_EQ(admin_request(lb.admin, "GET", "/metrics").status, 401);
  EXPECT_EQ(admin_request(lb.admin, "GET", "/metrics", "wrong-token-of-some-length").status, 401);
  EXPECT_EQ(admin_request(lb.admin, "GET", "/metrics", reader.token).status, 200);
  EXPECT_EQ(admin_request(lb.admin, "GET", "/stats.json", lb.token.token).status, 200) << "the admin token reads too";
  auto change = admin_request(lb.admin, "POST", "/backends/" + a.addr() + "/disable", reader.token);
  EXPECT_EQ(change.status, 403);
  const auto stats = admin_request(lb.admin, "GET", "/stats.json", reader.token).body;
  EXPECT_NE(stats.find("\"admin\": \"enabled\""), std::string::npos) << stats;
  const auto metrics = admin_request(lb.admin, "GET", "/metrics", reader.token).body;
  EXPECT_EQ(sample(metrics, "foobar_admin_auth_failures_total{reason=\"forbidden\"}"), 1) << metrics;
}

TEST(AdminAuth, NoAdminTokenMeansNoChanges) {
  TempDir root;
  std::ofstream(root / "index.html") << "hi\n";
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--root",
               root.path().string()});
  const int admin = web.wait_port("admin");
  EXPECT_EQ(admin_request(admin, "GET", "/metrics").status, 200);
  auto post = admin_request(admin, "POST", "/metrics");
  EXPECT_EQ(post.status, 403);
  EXPECT_NE(post.body.find("--admin-token-file"), std::string::npos) << post.body;
}

TEST(AdminAuth, AnAdminListenerOffLoopbackNeedsAToken) {
  TempDir root;
  Process bare({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0", "--root",
                root.path().string()});
  EXPECT_EQ(bare.wait_exit(), 2);
  EXPECT_NE(bare.output().find("admin listener 0.0.0.0:0 is off loopback"), std::string::npos) << bare.output();

  TokenFile shorty("short");
  Process weak({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0", "--admin-token-file",
                shorty.path, "--root", root.path().string()});
  EXPECT_EQ(weak.wait_exit(), 2);
  EXPECT_NE(weak.output().find(shorty.path + ": a token needs at least 16 characters"), std::string::npos)
      << weak.output();

  Process missing({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--admin-token-file",
                   "/nonexistent/token", "--root", root.path().string()});
  EXPECT_EQ(missing.wait_exit(), 2);
  EXPECT_NE(missing.output().find("/nonexistent/token: cannot be read"), std::string::npos) << missing.output();

  TokenFile token;
  Process ok({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0", "--admin-token-file", token.path,
              "--root", root.path().string()});
  const int admin = ok.wait_port("admin");
  EXPECT_EQ(admin_request(admin, "GET", "/metrics").status, 200);
}
