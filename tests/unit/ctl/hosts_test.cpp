// Topologies of real hosts ([[host]]), and what `foobar render` derives from
// them: the placement, the firewall's flows, keepalived's pair.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "core/config.hpp"
#include "ctl/firewall.hpp"
#include "ctl/keepalived.hpp"
#include "ctl/mariadb.hpp"
#include "ctl/render.hpp"
#include "ctl/topology.hpp"
#include "lb/lb_config.hpp"

namespace foobar::ctl {
namespace {

std::string host(const std::string& name, const std::string& address, const std::string& roles) {
  return "[[host]]\nname = \"" + name + "\"\naddress = \"" + address + "\"\nroles = [" + roles + "]\n";
}

// lb1+lb2 -> web1+web2 -> app1 -> db1 (primary) + db2 (replica); mon monitors.
std::string example() {
  return host("lb1", "10.0.0.11", "\"lb\"") + host("lb2", "10.0.0.12", "\"lb\"") + host("web1", "10.0.0.21", "\"web\"") +
         host("web2", "10.0.0.22", "\"web\"") + host("app1", "10.0.0.31", "\"app\"") +
         host("db1", "10.0.0.41", "\"db-primary\"") + host("db2", "10.0.0.42", "\"db-replica\"") +
         host("mon", "10.0.0.51", "") + "[lb]\nvip = \"10.0.0.100/24\"\n[monitoring]\nfrom = [\"mon\"]\n" +
         "[admin]\nfrom = [\"10.0.9.0/24\"]\n";
}

std::string error_of(const std::string& text) {
  try {
    parse_topology(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Hosts, EachRoleAtItsHostsAddressWithTheStandardPorts) {
  auto t = parse_topology(example(), "t.toml");
  ASSERT_TRUE(t.on_hosts());
  std::vector<std::string> got;
  for (const Node& n : nodes(t)) got.push_back(n.name + "@" + n.host + "=" + n.address.str() + "/" + n.admin.str());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "db-primary@db1=10.0.0.41:3306/0.0.0.0:0", "db-replica1@db2=10.0.0.42:3306/0.0.0.0:0",
                     "app1@app1=10.0.0.31:9000/10.0.0.31:8406", "web1@web1=10.0.0.21:8080/10.0.0.21:8405",
                     "web2@web2=10.0.0.22:8080/10.0.0.22:8405", "lb1@lb1=10.0.0.11:80/10.0.0.11:8404",
                     "lb2@lb2=10.0.0.12:80/10.0.0.12:8404"}));
  EXPECT_EQ(t.lb.listen.str(), "0.0.0.0:80");  // every interface: the VIP comes and goes
  EXPECT_EQ(t.lb.https_listen.str(), "0.0.0.0:443");
}

TEST(Hosts, MistakesNameTheLineAndKey) {
  EXPECT_EQ(error_of(host("a", "10.0.0.1", "\"lb\"") + host("a", "10.0.0.2", "\"web\"")),
            "t.toml:6: key 'host[1].name': two hosts named a");
  EXPECT_EQ(error_of(host("a", "10.0.0.1", "\"web\", \"web\"")), "t.toml:4: key 'host[0].roles': 'web' listed twice");
  EXPECT_EQ(error_of(host("a", "10.0.0.1", "\"cache\"")),
            "t.toml:4: key 'host[0].roles': 'cache': expected lb, web, app, db-primary or db-replica");
  EXPECT_EQ(error_of(host("a", "10.0.0.1", "\"lb\"") + host("b", "10.0.0.1", "\"web\"")),
            "t.toml:7: key 'host[1].address': a has this address too");
  EXPECT_NE(error_of(host("a", "10.0.0.1", "\"lb\"") + host("b", "10.0.0.2", "\"lb\"") + host("w", "10.0.0.3", "\"web\"") +
                     "[db]\nenabled = false\n[app]\n")
                .find("give the virtual IP as lb.vip"),
            std::string::npos);
  auto pair = host("a", "10.0.0.1", "\"lb\"") + host("b", "10.1.0.2", "\"lb\"") + host("w", "10.0.0.3", "\"web\"") +
              "[db]\nenabled = false\n[lb]\nvip = \"10.0.0.100/24\"\n";
  EXPECT_EQ(error_of(pair), "t.toml:16: key 'lb.vip': b (10.1.0.2) is not on the virtual IP's subnet 10.0.0.0/24");
  EXPECT_NE(error_of(example() + "[web]\ncount = 3\n").find("key 'web.count': with [[host]] entries"), std::string::npos);
  EXPECT_NE(error_of(host("a", "10.0.0.1", "\"lb\", \"web\"") + "[db]\nenabled = false\n[web]\nport = 80\n")
                .find("would both use port 80"),
            std::string::npos);
  EXPECT_NE(error_of(example() + "[web]\nadmin_port = 22\n").find("would both use port 22"), std::string::npos);
  EXPECT_NE(error_of(host("a", "10.0.0.1", "\"web\"") + "[db]\nenabled = false\n[lb]\nenabled = false\n[monitoring]\nfrom = [\"nope\"]\n")
                .find("key 'monitoring.from': 'nope'"),
            std::string::npos);
}

TEST(Hosts, TheVipMustBeAUsableAddressWithAVrrpId) {
  auto pair = [](const std::string& lb_keys) {
    return host("a", "10.0.0.1", "\"lb\"") + host("b", "10.0.0.2", "\"lb\"") + host("w", "10.0.0.3", "\"web\"") +
           "[db]\nenabled = false\n[lb]\n" + lb_keys;
  };
  EXPECT_NE(error_of(pair("vip = \"10.0.0.0/24\"\n")).find("network or broadcast"), std::string::npos);
  EXPECT_NE(error_of(pair("vip = \"10.0.0.255/24\"\n")).find("network or broadcast"), std::string::npos);
  EXPECT_NE(error_of(pair("vip = \"10.0.0.1/24\"\n")).find("a's own address"), std::string::npos);
  // 10.0.1.0/23 is a usable address whose last octet (0) is no VRRP id.
  auto t0 = pair("vip = \"10.0.1.0/23\"\n");
  EXPECT_NE(error_of(t0).find("give lb.virtual_router_id"), std::string::npos);
  EXPECT_EQ(parse_topology(t0 + "virtual_router_id = 7\n", "t.toml").lb.virtual_router_id, 7);
  EXPECT_EQ(parse_topology(pair("vip = \"10.0.0.100/24\"\n"), "t.toml").lb.virtual_router_id, 100);
}

// The example topology in a temp dir, rendered host by host (removed afterwards).
struct Rendered {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("foobar-render-" + std::to_string(::getpid()));
  Topology t;
  Rendered() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "t.toml") << example();
    std::ofstream(dir / "schema.sql") << "CREATE TABLE IF NOT EXISTS posts (id INT);\n";
    t = load_topology((dir / "t.toml").string());
    t.db.schema = (dir / "schema.sql").string();
  }
  ~Rendered() { std::filesystem::remove_all(dir); }
  std::vector<RenderedFile> host(const std::string& name) const { return host(name, t); }
  // The host rendered from the example with lb_keys added to its [lb].
  std::vector<RenderedFile> host_with_lb_keys(const std::string& name, const std::string& lb_keys) const {
    auto text = example();
    text.replace(text.find("[lb]\n"), 5, "[lb]\n" + lb_keys);
    auto other = parse_topology(text, (dir / "t.toml").string());
    other.db.schema = t.db.schema;
    return host(name, other);
  }

 private:
  std::vector<RenderedFile> host(const std::string& name, const Topology& topo) const {
    RenderOptions o;
    o.host = name;
    o.out = dir / name;
    o.site = dir;
    o.prefix = "/";
    return render_host(topo, o);
  }
};

TEST(Render, SecretsStayInRootOnlyFiles) {
  Rendered r;
  std::set<std::string> secret_values;
  for (const auto& name : {"db1", "app1", "lb1"}) {
    for (const auto& f : r.host(name)) {
      const bool secret = f.text.find("IDENTIFIED BY") != std::string::npos ||
                          f.text.find("PRIVATE KEY") != std::string::npos || f.path.extension() == ".password" ||
                          f.path.extension() == ".token";
      EXPECT_EQ(f.mode, secret ? 0600u : 0644u) << f.path;
      if (f.path.extension() == ".password" || f.path.extension() == ".token") secret_values.insert(f.text);
    }
  }
  EXPECT_EQ(secret_values.size(), 3u);  // the app's, the monitor's and the admin token, the same across renders
  for (const auto& name : {"secrets/app.password", "secrets/monitor.password", "secrets/replication.password",
                           "secrets/admin.token"})
    EXPECT_EQ(std::filesystem::status(r.dir / name).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << name;
  RenderOptions bad;
  bad.host = "lb1";
  bad.binary = "/opt/my foobar/foobar";
  EXPECT_THROW(render_host(r.t, bad), ConfigError);
}

// Each database account only from the hosts that use it (the init.sql db1 runs on first start).
TEST(Render, DatabaseAccountsOnlyFromTheHostsThatUseThem) {
  Rendered r;
  std::string init;
  for (const auto& f : r.host("db1"))
    if (f.path.filename() == "init.sql") init = f.text;
  std::set<std::string> created;
  for (std::size_t at = 0; (at = init.find("CREATE USER IF NOT EXISTS ", at)) != std::string::npos;) {
    at += 26;
    created.insert(init.substr(at, init.find(' ', at) - at));
  }
  EXPECT_EQ(created, (std::set<std::string>{"'foobar_app'@'10.0.0.31'", "'foobar_monitor'@'10.0.0.31'",
                                            "'foobar_monitor'@'10.0.0.51'", "'foobar_repl'@'10.0.0.41'",
                                            "'foobar_repl'@'10.0.0.42'"}));
  EXPECT_NE(init.find("GRANT SELECT, INSERT ON `foobar`.`posts` TO 'foobar_app'@'10.0.0.31'"), std::string::npos);
  EXPECT_EQ(init.find("'%'"), std::string::npos);
}

// The monitoring host: Prometheus scraping every node's admin listener at its
// host's address, Alertmanager sending to both lbs with the admin token; both
// configs pass the tools' own checks where the tools are installed.
TEST(Render, TheMonitoringHostScrapesEveryNodeAndAlertsBothLbs) {
  Rendered r;
  RenderOptions o;
  o.out = r.dir / "mon";
  o.prefix = o.out;  // the configs name each other by path: check them where they are
  o.site = std::filesystem::path(FOOBAR_SOURCE_DIR) / "site";
  const auto files = render_monitoring(r.t, o);
  std::map<std::string, RenderedFile> by_path;
  for (const auto& f : files) by_path[f.path.string()] = f;
  const auto& prom = by_path.at("etc/prometheus/prometheus.yml").text;
  for (const auto* target : {"'10.0.0.11:8404'", "'10.0.0.12:8404'", "'10.0.0.21:8405'", "'10.0.0.22:8405'",
                             "'10.0.0.31:8406'"})
    EXPECT_NE(prom.find(std::string("targets: [") + target + "]"), std::string::npos) << target << "\n" << prom;
  for (const auto* job : {"job_name: foobar-lb", "job_name: foobar-web", "job_name: foobar-app"})
    EXPECT_NE(prom.find(job), std::string::npos) << job;
  EXPECT_NE(prom.find("labels: {node: web2}"), std::string::npos);
  const auto& am = by_path.at("etc/prometheus/alertmanager.yml").text;
  EXPECT_NE(am.find("url: 'http://10.0.0.11:8404/alerts'"), std::string::npos) << am;
  EXPECT_NE(am.find("url: 'http://10.0.0.12:8404/alerts'"), std::string::npos) << am;
  const auto& token = by_path.at("etc/prometheus/foobar-admin.token");
  EXPECT_EQ(token.mode, 0640u);
  for (const auto& f : r.host("lb1")) {
    if (f.path.filename() == "admin.token") {
      EXPECT_EQ(f.text, token.text);  // the token the lbs check
    }
  }
  EXPECT_NE(by_path.at("etc/prometheus/foobar.rules.yml").text.find("alert: SemiSyncOff"), std::string::npos);
  write_rendered(files, o.out);
  const auto etc = (o.out / "etc/prometheus").string();
  if (!std::system("command -v promtool >/dev/null")) {
    EXPECT_EQ(std::system(("promtool check config " + etc + "/prometheus.yml >/dev/null").c_str()), 0);
  }
  if (!std::system("command -v amtool >/dev/null")) {
    EXPECT_EQ(std::system(("amtool check-config " + etc + "/alertmanager.yml >/dev/null").c_str()), 0);
  }
}

// The topology's per-client limits are in the rendered lb.toml, as the lb's
// own parser reads them back.
TEST(Render, TheLbsLimitsComeFromTheTopology) {
  Rendered r;
  std::string lb_toml;
  for (const auto& f : r.host_with_lb_keys(
           "lb1", "rate_limit = { requests_per_second = 50, burst = 100 }\nmax_connections_per_client = 64\n"
                  "connection_rate = { per_second = 20, burst = 40 }\nclient_table_size = 4096\n"
                  "rate_limit_rules = [{ method = \"POST\", prefix = \"/api/posts\", requests_per_second = 5, burst = 10 },"
                  " { prefix = \"/search\", requests_per_second = 0.5 }]\n"))
    if (f.path == "etc/foobar/lb.toml") lb_toml = f.text;
  ASSERT_FALSE(lb_toml.empty());
  auto file = core::ConfigFile::parse(lb_toml, "lb.toml");
  lb::LbConfig cfg;
  lb::read_lb_config(*file.root().table("lb"), cfg);
  const auto& c = cfg.client_limits;
  EXPECT_EQ(c.requests.per_second, 50);
  EXPECT_EQ(c.requests.burst, 100);
  EXPECT_EQ(c.max_connections, 64u);
  EXPECT_EQ(c.connections.per_second, 20);
  EXPECT_EQ(c.connections.burst, 40);
  EXPECT_EQ(c.table_size, 4096u);
  ASSERT_EQ(c.rules.size(), 2u) << lb_toml;
  EXPECT_EQ(c.rules[0].method, "POST");
  EXPECT_EQ(c.rules[0].prefix, "/api/posts");
  EXPECT_EQ(c.rules[0].rate.per_second, 5);
  EXPECT_EQ(c.rules[0].rate.burst, 10);
  EXPECT_EQ(c.rules[1].method, "");
  EXPECT_EQ(c.rules[1].rate.per_second, 0.5);
  EXPECT_EQ(c.rules[1].rate.burst, 1);  // at least one request
  EXPECT_EQ(cfg.backends.size(), 2u);   // the web hosts, after the rules
}

// [lb] acme: each lb unit gets the --acme-* flags (its own state dir) instead of
// the local CA's certificate, and those flags are what `foobar lb` accepts.
TEST(Render, TheLbsCertificateFromAcme) {
  Rendered r;
  std::string unit;
  for (const auto& f : r.host_with_lb_keys("lb1", "acme = { directory = \"https://acme.test/dir\", domains = "
                                                  "[\"www.foobar.com\", \"foobar.com\"], email = \"ops@foobar.com\" }\n")) {
    EXPECT_NE(f.path, "etc/foobar/tls/server-key.pem") << "no local CA key with ACME";
    if (f.path == "etc/systemd/system/foobar-lb.service") unit = f.text;
  }
  EXPECT_NE(unit.find(" --acme-directory https://acme.test/dir --acme-dir /var/lib/foobar/lb/acme --acme-domain "
                      "www.foobar.com --acme-domain foobar.com --acme-email ops@foobar.com"),
            std::string::npos)
      << unit;
  EXPECT_EQ(unit.find("LoadCredential=server"), std::string::npos) << unit;
  EXPECT_EQ(unit.find("--tls-cert"), std::string::npos) << unit;

  EXPECT_NE(error_of(example() + "[lb.acme]\ndirectory = \"http://acme.test\"\ndomains = [\"a.test\"]\n")
                .find("key 'lb.acme.directory'"),
            std::string::npos);
  EXPECT_NE(error_of(example() + "[lb.acme]\ndirectory = \"https://acme.test\"\ndomains = [\"a b.test\"]\n")
                .find("key 'lb.acme.domains'"),
            std::string::npos);
  EXPECT_NE(error_of(example() + "[lb.acme]\ndirectory = \"https://acme.test\"\n").find("domains"), std::string::npos);
}

TEST(Render, AccountHostsFromAddressesAndCidrs) {
  EXPECT_EQ(account_host("10.0.0.21"), "10.0.0.21");
  EXPECT_EQ(account_host("10.0.0.0/24"), "10.0.0.0/255.255.255.0");
  EXPECT_EQ(account_host("10.1.2.3/16"), "10.1.0.0/255.255.0.0");
  EXPECT_THROW(account_host("2001:db8::/64"), std::invalid_argument);
}

TEST(Firewall, ExactlyTheFlowsEachHostNeeds) {
  auto t = parse_topology(example(), "t.toml");
  auto flows = [&](const std::string& h) {
    std::vector<std::string> out;
    for (const auto& f : inbound_flows(t, *t.find_host(h))) {
      std::string from = f.from.empty() ? "any" : "";
      for (const auto& s : f.from) from += (from.empty() ? "" : ",") + s;
      std::string what = f.vrrp ? "vrrp" : "";
      for (int p : f.ports) what += (what.empty() ? "" : ",") + std::to_string(p);
      out.push_back(from + ">" + what);
    }
    return out;
  };
  EXPECT_EQ(flows("lb1"), (std::vector<std::string>{"any>80,443", "10.0.0.12>vrrp", "10.0.0.51>8404", "10.0.9.0/24>22"}));
  EXPECT_EQ(flows("web2"), (std::vector<std::string>{"10.0.0.11,10.0.0.12>8080", "10.0.0.51>8405", "10.0.9.0/24>22"}));
  EXPECT_EQ(flows("app1"), (std::vector<std::string>{"10.0.0.21,10.0.0.22>9000", "10.0.0.51>8406", "10.0.9.0/24>22"}));
  EXPECT_EQ(flows("db1"), (std::vector<std::string>{"10.0.0.31,10.0.0.42>3306", "10.0.0.51>3306", "10.0.9.0/24>22"}));
  EXPECT_EQ(flows("db2"), (std::vector<std::string>{"10.0.0.31,10.0.0.41>3306", "10.0.0.51>3306", "10.0.9.0/24>22"}));
  EXPECT_EQ(flows("mon"), (std::vector<std::string>{"10.0.9.0/24>22"}));
  const auto nft = nft_ruleset(t, *t.find_host("db1"));
  EXPECT_NE(nft.find("policy drop;"), std::string::npos);
  EXPECT_NE(nft.find("ip saddr { 10.0.0.31, 10.0.0.42 } tcp dport 3306 accept"), std::string::npos);
  EXPECT_NE(nft_ruleset(t, *t.find_host("lb1")).find("ip saddr 10.0.0.12 ip protocol 112 accept"), std::string::npos);
}

TEST(Keepalived, APairWithUnicastPeersAndTheLbWatched) {
  auto t = parse_topology(example(), "t.toml");
  const auto lb1 = keepalived_config(t, *t.find_host("lb1"), "/usr/bin/foobar");
  const auto lb2 = keepalived_config(t, *t.find_host("lb2"), "/usr/bin/foobar");
  EXPECT_NE(lb1.find("priority 250"), std::string::npos);
  EXPECT_NE(lb2.find("priority 249"), std::string::npos);
  EXPECT_NE(lb1.find("unicast_peer {\n    10.0.0.12\n  }"), std::string::npos);
  EXPECT_NE(lb2.find("unicast_src_ip 10.0.0.12"), std::string::npos);
  EXPECT_NE(lb1.find("10.0.0.100/24 dev eth0"), std::string::npos);
  EXPECT_NE(lb1.find("advert_int 0.1"), std::string::npos);
  EXPECT_NE(lb1.find("nopreempt"), std::string::npos);
  EXPECT_NE(lb1.find("/usr/bin/foobar probe --address 10.0.0.11:8404"), std::string::npos);
  EXPECT_NE(lb1.find("virtual_router_id 100"), std::string::npos);
}

}  // namespace
}  // namespace foobar::ctl
