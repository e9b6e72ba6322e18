// foobar web --proxy PREFIX=HOST:PORT,...: requests under the prefix go
// through the shared proxy engine (round robin, health checks, retries);
// everything else is served from the document root.
#include "lb_fixture.hpp"

using namespace lbtest;

namespace {
struct Web {
  std::unique_ptr<Process> proc;
  int port = 0;
  explicit Web(std::vector<std::string> args) {
    std::vector<std::string> argv{foobar::test::foobar_bin(), "web", "--listen", "127.0.0.1:0", "--threads", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    proc = std::make_unique<Process>(argv);
    port = proc->wait_port("web");
  }
};
}  // namespace

TEST(WebProxy, PrefixGoesToAppServersRestIsStatic) {
  Backend a("a"), b("b");
  TempDir root;
  std::ofstream(root / "index.html") << "static\n";
  Web web({"--root", root.path().string(), "--proxy", "/api/=" + a.addr() + "," + b.addr()});
  std::map<std::string, int> n;
  for (int i = 0; i < 10; ++i) ++n[get_body(web.port, "/api/items")];
  EXPECT_EQ(n["a\n"], 5);
  EXPECT_EQ(n["b\n"], 5);
  EXPECT_EQ(a.count("GET /api/items"), 5) << "the path is forwarded unchanged";
  EXPECT_EQ(get_body(web.port, "/index.html"), "static\n");
  EXPECT_EQ(foobar::test::http_get(web.port, "/apix").status, 404) << "only the prefix is proxied";
  EXPECT_EQ(a.count("/apix") + b.count("/apix"), 0);
  // A dead app server costs no failed request.
  a.kill();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get_body(web.port, "/api/items"), "b\n") << i;
}

TEST(WebProxy, RepeatableAndFromConfigFile) {
  Backend a("a"), b("b");
  TempDir root;
  std::ofstream(root / "index.html") << "static\n";
  {
    std::ofstream f(root / "web.toml");
    f << "[web]\nroot = \"" << root.path().string() << "\"\nproxy = [\"/api/=" << a.addr() << "\", \"/auth/=" << b.addr()
      << "\"]\n";
  }
  Web web({"--config", (root / "web.toml").string()});
  EXPECT_EQ(get_body(web.port, "/api/x"), "a\n");
  EXPECT_EQ(get_body(web.port, "/auth/x"), "b\n");
  EXPECT_EQ(get_body(web.port, "/index.html"), "static\n");
  // Flags override the file.
  Web web2({"--config", (root / "web.toml").string(), "--proxy", "/api/=" + b.addr()});
  EXPECT_EQ(get_body(web2.port, "/api/x"), "b\n");
  EXPECT_EQ(foobar::test::http_get(web2.port, "/auth/x").status, 404) << "the file's routes are replaced by the flags'";
}

TEST(WebProxy, BadSpecIsAnError) {
  TempDir root;
  Process p({foobar::test::foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", root.path().string(), "--proxy",
             "api=127.0.0.1:1"});
  auto code = p.wait_exit(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(p.output().find("prefix must start with '/'"), std::string::npos) << p.output();
}
