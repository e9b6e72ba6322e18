#include "ctl/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ctl/roles.hpp"
#include "ctl/state_dir.hpp"
#include "support/process.hpp"

namespace foobar::ctl {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_topology(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Topology, DefaultIsTheBriefWithRedundancy) {
  auto all = nodes(default_topology());
  std::vector<std::string> names;
  for (auto& n : all) names.push_back(n.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"db-primary", "db-replica1", "db-replica2", "app1", "app2", "web1", "web2", "lb"}));
  EXPECT_EQ(all.back().address.str(), "127.0.0.1:8080");
  EXPECT_EQ(all.back().admin.str(), "127.0.0.1:18000");
  EXPECT_EQ(all[5].address.port(), 18001);  // web1
  EXPECT_EQ(all[6].address.port(), 18002);  // web2
  EXPECT_EQ(all[3].address.port(), 18003);  // app1
  EXPECT_EQ(all[4].address.port(), 18004);  // app2
  EXPECT_EQ(all[0].address.port(), 18005);  // primary
  EXPECT_EQ(all[1].address.port(), 18006);  // replicas
  EXPECT_EQ(all[2].address.port(), 18007);
}

TEST(Topology, FlagsMovePorts) {
  auto all = nodes(default_topology(9090, 20000));
  EXPECT_EQ(all.back().address.port(), 9090);
  EXPECT_EQ(all.back().admin.port(), 20000);
  EXPECT_EQ(all[0].address.port(), 20005);
  auto t = parse_topology("[web]\ncount = 3\n", "t.toml", 9999, 30000);
  auto n = nodes(t);
  EXPECT_EQ(n.back().address.port(), 9999);
  EXPECT_EQ(n[0].address.port(), 30000 + 1 + 3 + 2);
}

TEST(Topology, PrintedDefaultReadsBackIdentically) {
  Topology d = default_topology(8081, 19000);
  std::string text = to_toml(d);
  Topology back = parse_topology(text, "printed.toml");
  EXPECT_EQ(to_toml(back), text);
  auto a = nodes(d), b = nodes(back);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].address.str(), b[i].address.str());
  }
  // Ports left to port_base follow a --port-base flag given with the file.
  EXPECT_EQ(nodes(parse_topology(text, "printed.toml", {}, 25000))[0].address.port(), 25005);
}

TEST(Topology, ExplicitPortsAndCounts) {
  auto t = parse_topology(
      "host = \"127.0.0.2\"\n[web]\ncount = 1\nport = 7001\n[app]\ncount = 3\n[db]\nreplicas = 2\nport = 7100\n",
      "t.toml");
  auto all = nodes(t);
  ASSERT_EQ(all.size(), 1u + 2 + 3 + 1 + 1);
  EXPECT_EQ(all[0].address.str(), "127.0.0.2:7100");
  EXPECT_EQ(all[2].name, "db-replica2");
  EXPECT_EQ(all[2].address.port(), 7102);
  EXPECT_EQ(all[6].name, "web1");
  EXPECT_EQ(all[6].address.port(), 7001);
  EXPECT_EQ(all[3].address.port(), 18002);  // app1: after lb admin and one web slot
}

TEST(Topology, WebOnlyStack) {
  auto t = parse_topology("[lb]\nenabled = false\n[app]\ncount = 0\n[db]\nenabled = false\n", "t.toml");
  auto all = nodes(t);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].role, Role::web);
}

TEST(Topology, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("[web]\ncount = \"two\"\n"),
            "t.toml:2: key 'web.count': expected an integer");
  EXPECT_EQ(error_of("\n\n[lb]\nbalance = \"fastest\"\n"),
            "t.toml:4: key 'lb.balance': expected one of \"roundrobin\", \"leastconn\", \"source\", \"random\"");
  EXPECT_EQ(error_of("[lb]\nlisten = \"example.com:80\"\n"),
            "t.toml:2: key 'lb.listen': 'example.com:80': host must be a numeric IPv4/IPv6 address (no DNS)");
  EXPECT_EQ(error_of("[db]\nreplica = 2\n"), "t.toml:2: key 'db.replica': unknown key");
  EXPECT_EQ(error_of("colour = 1\n"), "t.toml:1: key 'colour': unknown key");
  EXPECT_EQ(error_of("web = 3\n"), "t.toml:1: key 'web': expected a table");
  EXPECT_EQ(error_of("port_base = 70000\n"), "t.toml:1: key 'port_base': must be between 1 and 65535");
  EXPECT_NE(error_of("[web\ncount = 1\n").find("t.toml:1:"), std::string::npos);
  EXPECT_EQ(error_of("[web]\nport = 8080\n"), "t.toml: key 'port': web1 and lb would both use port 8080");
  EXPECT_EQ(error_of("[web]\ncount = 0\n"), "t.toml: key 'web.count': the lb needs at least one web server");
  EXPECT_EQ(error_of("[db]\nenabled = false\n"), "t.toml: key 'db.enabled': app servers need the database");
  EXPECT_EQ(error_of("[lb]\nhealth_check = \"ping\"\n"),
            "t.toml: key 'lb.health_check': expected \"tcp\" or \"http:/PATH\"");
  EXPECT_EQ(error_of("port_base = 65534\n"),
            "t.toml: key 'port_base': db-primary would get port 65539, outside 1..65535");
  EXPECT_EQ(error_of("[lb]\nhttps_listen = \"127.0.0.1:18001\"\n"),
            "t.toml: key 'port': web1 and lb https would both use port 18001");
  EXPECT_EQ(error_of("[lb]\ntls_cert = \"a.pem\"\n"), "t.toml:2: key 'lb.tls_cert': tls_cert and tls_key go together");
  EXPECT_EQ(error_of("[lb]\nhttps = \"yes\"\n"), "t.toml:2: key 'lb.https': expected true or false");
}

TEST(Topology, HttpsOnTheLbByDefault) {
  auto d = default_topology();
  EXPECT_TRUE(d.lb.https);
  EXPECT_EQ(d.lb.https_listen.str(), "127.0.0.1:8443");
  EXPECT_TRUE(d.lb.tls_cert.empty());  // the local CA issues it
  auto t = parse_topology("[lb]\nhttps_listen = \"0.0.0.0:443\"\ntls_cert = \"/etc/c.pem\"\ntls_key = \"/etc/k.pem\"\n",
                          "t.toml", {}, {}, 9443);
  EXPECT_EQ(t.lb.https_listen.str(), "0.0.0.0:9443");  // --https-port moves the port only
  EXPECT_EQ(t.lb.tls_cert, "/etc/c.pem");
  EXPECT_EQ(t.lb.tls_key, "/etc/k.pem");
  EXPECT_EQ(to_toml(parse_topology(to_toml(t), "printed.toml")), to_toml(t));
  EXPECT_FALSE(parse_topology("[lb]\nhttps = false\n", "t.toml").lb.https);
}

// The command line of the lb foobar up starts for t.
struct LbCommandLine {
  std::vector<std::string> argv;
  LbCommandLine(const Topology& t, const StateDir& dir) {
    for (const Node& n : nodes(t))
      if (n.role == Role::lb) argv = role_spec(t, n, dir, {}).argv;
  }
  // The word after flag; "(absent)" without it.
  std::string value_of(const std::string& flag) const {
    auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? std::string("(absent)") : *(it + 1);
  }
};

// The lb's per-client limits in the topology reach the lb foobar up starts,
// as its flags, and survive the printed topology.
TEST(Topology, TheLbsLimitsReachItsCommandLine) {
  auto t = parse_topology(
      "[lb]\nrate_limit = { requests_per_second = 50, burst = 100 }\nmax_connections_per_client = 64\n"
      "connection_rate = { per_second = 20 }\nclient_table_size = 4096\n"
      "[[lb.rate_limit_rules]]\nmethod = \"POST\"\nprefix = \"/api/posts\"\nrequests_per_second = 5\nburst = 10\n",
      "t.toml");
  EXPECT_EQ(to_toml(parse_topology(to_toml(t), "printed.toml")), to_toml(t));
  EXPECT_EQ(parse_topology(to_toml(t), "printed.toml").lb.client_limits.rules.size(), 1u);
  test::TempDir tmp;
  StateDir dir(tmp.path() / "st");
  dir.create();
  LbCommandLine lb(t, dir);
  EXPECT_EQ(lb.value_of("--rate-limit"), "50:100");
  EXPECT_EQ(lb.value_of("--rate-limit-rule"), "POST /api/posts=5:10");
  EXPECT_EQ(lb.value_of("--max-connections-per-client"), "64");
  EXPECT_EQ(lb.value_of("--connection-rate"), "20:20");  // the burst defaults to the rate
  EXPECT_EQ(lb.value_of("--client-table-size"), "4096");
  // None by default: the lb's own defaults apply.
  const auto d = default_topology();
  const auto plain = role_spec(d, nodes(d).back(), dir, {}).argv;
  EXPECT_EQ(std::count(plain.begin(), plain.end(), "--rate-limit"), 0);
  EXPECT_EQ(error_of("[lb]\nrate_limit = { burst = 3 }\n"), "t.toml:2: key 'lb.rate_limit.requests_per_second': missing");
}

// [lb] acme: the lb foobar up starts gets the --acme-* flags (files in the state
// dir's tls/acme) in place of the local CA's certificate, and sends HSTS again.
TEST(Topology, TheLbsAcmeReachesItsCommandLine) {
  auto t = parse_topology(
      "[lb]\nacme = { directory = \"https://acme.test/dir\", domains = [\"www.foobar.com\"], ca = \"/etc/ca.pem\" }\n",
      "t.toml");
  EXPECT_EQ(to_toml(parse_topology(to_toml(t), "printed.toml")), to_toml(t));
  test::TempDir tmp;
  StateDir dir(tmp.path() / "st");
  dir.create();
  LbCommandLine lb(t, dir);
  EXPECT_EQ(lb.value_of("--acme-directory"), "https://acme.test/dir");
  EXPECT_EQ(lb.value_of("--acme-domain"), "www.foobar.com");
  EXPECT_EQ(lb.value_of("--acme-ca"), "/etc/ca.pem");
  EXPECT_EQ(lb.value_of("--acme-dir"), (dir.tls() / "acme").string());
  EXPECT_EQ(lb.value_of("--tls-cert"), "(absent)");
  EXPECT_EQ(lb.value_of("--hsts-max-age"), "(absent)");
  EXPECT_NE(error_of("[lb]\nhttps = false\nacme = { directory = \"https://a.test\", domains = [\"a.test\"] }\n")
                .find("key 'lb.acme'"),
            std::string::npos);
}

}  // namespace
}  // namespace foobar::ctl
