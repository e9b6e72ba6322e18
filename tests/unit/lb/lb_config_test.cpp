#include <gtest/gtest.h>

#include "core/config.hpp"
#include "lb/admin.hpp"
#include "lb/lb_config.hpp"
#include "proxy/route_spec.hpp"

using namespace foobar;

namespace {
lb::LbConfig parse(const std::string& text) {
  auto f = core::ConfigFile::parse(text, "lb.toml");
  lb::LbConfig cfg;
  lb::read_lb_config(*f.root().table("lb"), cfg);
  return cfg;
}
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(LbConfig, ReadsEveryKey) {
  auto cfg = parse(R"([lb]
listen = "127.0.0.1:8000"
admin = "127.0.0.1:8404"
balance = "leastconn"
health_check = "http:/health"
health_interval_ms = 250
health_timeout_ms = 100
rise = 4
fall = 5
passive_fall = 0
threads = 2
retries = 1
connect_timeout_ms = 300
server_timeout_ms = 4000
queue_timeout_ms = 50
max_queue = 7
pool_idle_max = 3
pool_idle_timeout_ms = 999
backends = [
  { address = "10.0.0.1:80", weight = 3 },
  { address = "10.0.0.2:80", maxconn = 10 },
  { address = "10.0.0.3:80", backup = true },
]
)");
  EXPECT_EQ(cfg.server.listen.port(), 8000);
  ASSERT_TRUE(cfg.server.admin.has_value());
  EXPECT_EQ(cfg.server.admin->port(), 8404);
  EXPECT_EQ(cfg.proxy.algorithm, proxy::Algorithm::LeastConn);
  EXPECT_EQ(cfg.check.kind, proxy::CheckConfig::Kind::Http);
  EXPECT_EQ(cfg.check.path, "/health");
  EXPECT_EQ(cfg.check.interval.count(), 250);
  EXPECT_EQ(cfg.check.timeout.count(), 100);
  EXPECT_EQ(cfg.health.rise, 4u);
  EXPECT_EQ(cfg.health.fall, 5u);
  EXPECT_EQ(cfg.health.passive_fall, 0u);
  EXPECT_EQ(cfg.threads, 2u);
  EXPECT_EQ(cfg.proxy.retries, 1u);
  EXPECT_EQ(cfg.proxy.connect_timeout.count(), 300);
  EXPECT_EQ(cfg.proxy.server_timeout.count(), 4000);
  EXPECT_EQ(cfg.proxy.queue_timeout.count(), 50);
  EXPECT_EQ(cfg.proxy.max_queue, 7u);
  EXPECT_EQ(cfg.proxy.pool.idle_max, 3u);
  EXPECT_EQ(cfg.proxy.pool.idle_timeout.count(), 999);
  ASSERT_EQ(cfg.backends.size(), 3u);
  EXPECT_EQ(cfg.backends[0].weight, 3u);
  EXPECT_EQ(cfg.backends[1].maxconn, 10u);
  EXPECT_TRUE(cfg.backends[2].backup);
  EXPECT_NO_THROW(lb::validate(cfg));
}

TEST(LbConfig, ErrorsNameFileLineAndKey) {
  EXPECT_NE(error_of("[lb]\nbalance = \"fastest\"\n").find("lb.toml:2: key 'lb.balance'"), std::string::npos)
      << error_of("[lb]\nbalance = \"fastest\"\n");
  EXPECT_NE(error_of("[lb]\n\nrise = 0\n").find("lb.toml:3: key 'lb.rise'"), std::string::npos);
  EXPECT_NE(error_of("[lb]\nbalanse = \"source\"\n").find("balanse"), std::string::npos);
  auto e = error_of("[lb]\nbackends = [\n  { address = \"nohost\" },\n]\n");
  EXPECT_NE(e.find("lb.toml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("address"), std::string::npos) << e;
  e = error_of("[lb]\nbackends = [\n  { address = \"127.0.0.1:1\" },\n  { address = \"127.0.0.1:1\" },\n]\n");
  EXPECT_NE(e.find("twice"), std::string::npos) << e;
  e = error_of("[lb]\nhealth_check = \"udp\"\n");
  EXPECT_NE(e.find("lb.toml:2: key 'lb.health_check'"), std::string::npos) << e;
}

TEST(LbConfig, ValidateNeedsAPrimary) {
  lb::LbConfig cfg;
  EXPECT_THROW(lb::validate(cfg), std::invalid_argument);
  cfg.backends.push_back(proxy::parse_server("10.0.0.1:1"));
  cfg.backends.back().backup = true;
  EXPECT_THROW(lb::validate(cfg), std::invalid_argument);
  cfg.backends.push_back(proxy::parse_server("10.0.0.1:2"));
  EXPECT_NO_THROW(lb::validate(cfg));
}

TEST(LbAdmin, RenderersShowEveryBackend) {
  std::vector<proxy::ServerConfig> servers{proxy::parse_server("10.0.0.1:80"), proxy::parse_server("10.0.0.2:80")};
  servers[1].weight = 2;
  servers[1].backup = true;
  auto g = std::make_shared<proxy::UpstreamGroup>(servers);
  core::metrics::Registry registry(2);
  auto metrics = std::make_shared<const proxy::UpstreamMetrics>(registry, g, "foobar_lb");
  proxy::ProxyService svc(g, metrics, {}, {});
  metrics->server(0).requests->add(0, 4);
  metrics->server(0).requests->add(1, 3);
  g->report_check(1, false, "connect: refused");
  g->report_check(1, false, "connect: refused");
  g->report_check(1, false, "connect: refused");
  metrics->count_response(1, 200);
  metrics->duration().observe(0, 0.003);
  auto m = registry.render();
  EXPECT_NE(m.find("foobar_lb_backend_requests_total{backend=\"10.0.0.1:80\"} 7\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_up{backend=\"10.0.0.2:80\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_state{backend=\"10.0.0.2:80\",state=\"down\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_state{backend=\"10.0.0.2:80\",state=\"up\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_check_failures_total{backend=\"10.0.0.2:80\"} 3\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_transitions_total{backend=\"10.0.0.2:80\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_backend_transitions_total{backend=\"10.0.0.1:80\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_responses_total{code=\"2xx\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_request_duration_seconds_bucket{le=\"0.0025\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("foobar_lb_request_duration_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << m;
  auto j = lb::render_stats_json(svc);
  EXPECT_NE(j.find("\"requests\": 7"), std::string::npos) << j;
  EXPECT_NE(j.find("\"state\": \"down\""), std::string::npos) << j;
  EXPECT_NE(j.find("connect: refused"), std::string::npos);
  auto h = lb::render_stats_html(svc);
  EXPECT_NE(h.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(h.find("10.0.0.2:80"), std::string::npos);
  EXPECT_NE(h.find("backup"), std::string::npos);
}

TEST(LbConfig, ReadsTheClientLimits) {
  auto cfg = parse(R"([lb]
trusted_proxies = ["10.0.0.0/8", "2001:db8::1"]
rate_limit = { requests_per_second = 20, burst = 40 }
max_connections_per_client = 50
connection_rate = { per_second = 10 }
client_table_size = 1024
[[lb.rate_limit_rules]]
method = "POST"
prefix = "/api/posts"
requests_per_second = 5
)");
  const auto& c = cfg.client_limits;
  EXPECT_EQ(c.requests.per_second, 20);
  EXPECT_EQ(c.requests.burst, 40);
  EXPECT_EQ(c.max_connections, 50u);
  EXPECT_EQ(c.connections.per_second, 10);
  EXPECT_EQ(c.connections.burst, 10) << "the burst defaults to the rate";
  EXPECT_EQ(c.table_size, 1024u);
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].method, "POST");
  EXPECT_EQ(c.rules[0].prefix, "/api/posts");
  EXPECT_EQ(c.rules[0].rate.per_second, 5);
  ASSERT_EQ(cfg.proxy.trusted_proxies.size(), 2u);
  EXPECT_EQ(cfg.proxy.trusted_proxies[0].str(), "10.0.0.0/8");
  EXPECT_EQ(cfg.proxy.trusted_proxies[1].str(), "2001:db8::1/128");
}

TEST(LbConfig, ClientLimitErrorsNameTheKey) {
  EXPECT_NE(error_of("[lb]\ntrusted_proxies = [\"10.0.0.0/33\"]\n").find("lb.toml:2"), std::string::npos);
  EXPECT_NE(error_of("[lb]\ntrusted_proxies = [\"10.0.0.0/33\"]\n").find("the prefix must be 0 to 32"),
            std::string::npos);
  EXPECT_NE(error_of("[lb]\nrate_limit = { burst = 4 }\n").find("requests_per_second"), std::string::npos);
  EXPECT_NE(error_of("[lb]\nrate_limit = { requests_per_second = 5, burts = 4 }\n").find("burts"), std::string::npos);
  EXPECT_NE(error_of("[lb]\n[[lb.rate_limit_rules]]\nprefix = \"api\"\nrequests_per_second = 1\n").find("prefix"),
            std::string::npos);
}

TEST(LbConfig, RateFlags) {
  auto r = lb::parse_rate("5");
  EXPECT_EQ(r.per_second, 5);
  EXPECT_EQ(r.burst, 5);
  r = lb::parse_rate("0.5:3");
  EXPECT_EQ(r.per_second, 0.5);
  EXPECT_EQ(r.burst, 3);
  EXPECT_EQ(lb::parse_rate("0.2").burst, 1) << "a bucket holds at least one request";
  for (const char* bad : {"", "0", "-1", "5:", "x", "5:y", "2000000"})
    EXPECT_THROW(lb::parse_rate(bad), std::invalid_argument) << bad;
  auto rule = lb::parse_rate_rule("POST /api/posts=5:10");
  EXPECT_EQ(rule.method, "POST");
  EXPECT_EQ(rule.prefix, "/api/posts");
  EXPECT_EQ(rule.rate.burst, 10);
  rule = lb::parse_rate_rule("/login=1");
  EXPECT_EQ(rule.method, "");
  EXPECT_EQ(rule.prefix, "/login");
  EXPECT_THROW(lb::parse_rate_rule("POST api=1"), std::invalid_argument);
  EXPECT_THROW(lb::parse_rate_rule("/x"), std::invalid_argument);
}

TEST(LbConfig, ReadsAcme) {
  auto cfg = parse(R"([lb.tls]
listen = "127.0.0.1:8443"
[lb.tls.acme]
directory = "https://acme.test/dir"
email = "ops@foobar.test"
domains = ["www.foobar.test", "foobar.test"]
dir = "/var/lib/foobar/lb/acme"
ca = "/etc/ca.pem"
retry_ms = 5000
)");
  EXPECT_TRUE(cfg.acme.enabled());
  EXPECT_EQ(cfg.acme.client.directory, "https://acme.test/dir");
  EXPECT_EQ(cfg.acme.client.email, "ops@foobar.test");
  EXPECT_EQ(cfg.acme.client.domains, (std::vector<std::string>{"www.foobar.test", "foobar.test"}));
  EXPECT_EQ(cfg.acme.dir, "/var/lib/foobar/lb/acme");
  EXPECT_EQ(cfg.acme.client.ca_file, "/etc/ca.pem");
  EXPECT_EQ(cfg.acme.retry, std::chrono::milliseconds(5000));
  EXPECT_FALSE(parse("[lb]\n").acme.enabled());
}

TEST(LbConfig, AcmeErrorsNameFileLineAndKey) {
  auto e = error_of("[lb.tls]\nacme = { directory = \"http://acme.test/dir\", domains = [\"a.test\"], dir = \"/d\" }\n");
  EXPECT_NE(e.find("lb.toml:2: key 'lb.tls.acme.directory'"), std::string::npos) << e;
  e = error_of("[lb.tls]\nacme = { directory = \"https://acme.test/dir\", dir = \"/d\" }\n");
  EXPECT_NE(e.find("domains"), std::string::npos) << e;
  e = error_of("[lb.tls]\nacme = { directory = \"https://acme.test/dir\", domains = [\"a.test\"] }\n");
  EXPECT_NE(e.find("'lb.tls.acme.dir'"), std::string::npos) << e;
  e = error_of("[lb.tls]\nacme = { directory = \"https://acme.test/dir\", domains = [\"a.test\"], dir = \"/d\", dns = 1 }\n");
  EXPECT_NE(e.find("dns"), std::string::npos) << e;
  // acme belongs to the lb's TLS table only.
  lb::LbConfig cfg;
  cfg.backends.push_back(proxy::parse_server("10.0.0.1:1"));
  cfg.acme.client.directory = "https://acme.test/dir";
  cfg.acme.client.domains = {"a.test"};
  cfg.acme.dir = "/d";
  EXPECT_THROW(lb::validate(cfg), std::invalid_argument) << "ACME without a TLS listener";
}
