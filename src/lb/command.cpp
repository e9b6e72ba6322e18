#include "lb/command.hpp"

#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "acme/renewer.hpp"
#include "core/config.hpp"
#include "core/flags.hpp"
#include "core/runtime.hpp"
#include "http/handler_chain.hpp"
#include "http/metrics_handler.hpp"
#include "http/server_options.hpp"
#include "lb/admin.hpp"
#include "lb/lb_config.hpp"
#include "net/address.hpp"
#include "proxy/route_spec.hpp"

namespace foobar::lb {

int run(const LbConfig& cfg) {
  core::Runtime rt(cfg.threads);
  core::metrics::Registry metrics(rt.size());
  core::metrics::add_process_metrics(metrics, "lb", FOOBAR_VERSION);
  auto group = std::make_shared<proxy::UpstreamGroup>(cfg.backends, cfg.health);
  auto proxy_opts = cfg.proxy;
  proxy_opts.tls = proxy::load_backend_tls(cfg.backend_tls);
  auto svc = std::make_shared<proxy::ProxyService>(
      group, std::make_shared<const proxy::UpstreamMetrics>(metrics, group, "foobar_lb"), proxy_opts, cfg.check);
  svc->start_health_checks(rt.context(0));

  auto server_cfg = cfg.server;
  if (cfg.server.admin) server_cfg.metrics = &metrics;  // counted only where someone can read them
  std::shared_ptr<http::AcmeChallenges> challenges;
  if (cfg.acme.enabled()) {
    // The ACME certificate first: it answers for its names, any other pair for theirs (SNI).
    acme::ServedFiles served;
    try {
      served = acme::prepare_certificate(cfg.acme);
    } catch (const std::exception& e) {
      throw core::ConfigError(std::string("lb: --acme-dir: ") + e.what());  // exit 2, like a bad certificate
    }
    auto& tls = server_cfg.tls;
    tls.certs.insert(tls.certs.begin(), served.cert);
    tls.keys.insert(tls.keys.begin(), served.key);
    challenges = std::make_shared<http::AcmeChallenges>();
    server_cfg.acme = challenges;
  }
  std::shared_ptr<ClientLimits> limits;
  const auto& lc = cfg.client_limits;
  if (lc.requests_limited() || lc.connections_limited()) {
    limits = std::make_shared<ClientLimits>(lc, cfg.proxy.trusted_proxies, metrics);
    if (lc.connections_limited()) server_cfg.gate = limits;
  }
  http::Server server(rt, server_cfg, [svc, &limits](unsigned worker, asio::io_context& io) -> std::unique_ptr<http::Handler> {
    if (!limits || !limits->config().requests_limited()) return svc->make_handler(worker, io);
    auto chain = std::make_unique<http::HandlerChain>();
    chain->add(limits->handler(worker));
    chain->add(svc->make_handler(worker, io));
    return chain;
  });
  auto alerts = std::make_shared<AlertInbox>();
  auto admin = http::open_admin(rt, cfg.server, metrics, [svc, &metrics, alerts, &cfg](unsigned, asio::io_context&) {
    return std::make_unique<AdminHandler>(svc, metrics, alerts, cfg.prometheus);
  });
  std::unique_ptr<acme::Renewer> renewer;
  if (challenges) {
    renewer = std::make_unique<acme::Renewer>(cfg.acme, challenges, [&server] { return server.reload_tls(); });
    renewer->start(rt.context(0).get_executor());
  }
  rt.on_stop([&] {
    if (renewer) renewer->stop();
    server.stop();
    if (admin) admin->stop();
    svc->stop();
  });
  return rt.run(cfg.server.limits.shutdown_timeout);
}

void add_command(CLI::App& cli, int& exit_code) {
  auto* cmd = cli.add_subcommand("lb", "load balancer: spread requests over backend web servers");
  auto cfg = std::make_shared<LbConfig>();
  auto config_file = std::make_shared<std::string>();

  // --config comes first: CLI11 runs option callbacks in the order they were
  // added, so every flag below overrides what the file said.
  cmd->add_option_function<std::string>(
         "--config", [cfg, config_file](const std::string& path) {
           *config_file = path;
           auto file = core::ConfigFile::load(path);
           auto lb = file.root().table("lb");
           if (!lb) throw core::ConfigError(path + ": no [lb] section");
           read_lb_config(*lb, *cfg);
         },
         "TOML file with an [lb] section (flags override it)")
      ->type_name("FILE");
  http::add_server_flags(*cmd, cfg->server,
                         "admin listener: /stats, /stats.json, /metrics, POST /backends/HOST:PORT/drain|disable|enable "
                         "(a bare PORT listens on 127.0.0.1)");
  cmd->add_option_function<std::vector<std::string>>(
         "--backend", [cfg](const std::vector<std::string>& v) {
           std::erase_if(cfg->backends, [](const auto& s) { return !s.backup; });
           for (const auto& s : v)
             cfg->backends.push_back(core::flag_value("--backend", [&] { return proxy::parse_server(s); }));
         },
         "backend server (repeatable)")
      ->type_name("HOST:PORT");
  cmd->add_option_function<std::vector<std::string>>(
         "--backup", [cfg](const std::vector<std::string>& v) {
           std::erase_if(cfg->backends, [](const auto& s) { return s.backup; });
           for (const auto& s : v) {
             auto b = core::flag_value("--backup", [&] { return proxy::parse_server(s); });
             b.backup = true;
             cfg->backends.push_back(b);
           }
         },
         "backup server, used only while every backend is down (repeatable)")
      ->type_name("HOST:PORT");
  cmd->add_option_function<std::string>(
         "--balance", [cfg](const std::string& v) { cfg->proxy.algorithm = *proxy::parse_algorithm(v); },
         "roundrobin (default), leastconn, source or random")
      ->check(CLI::IsMember({"roundrobin", "leastconn", "source", "random"}));
  cmd->add_option_function<std::string>(
         "--health-check", [cfg](const std::string& v) {
           if (!proxy::parse_check(v, cfg->check)) throw CLI::ValidationError("--health-check", "want tcp, none or http:/PATH");
         },
         "tcp (default), http:/PATH (expects 2xx/3xx) or none")
      ->type_name("tcp|http:/PATH");
  constexpr std::int64_t day_ms = 86400000;  // the same ranges as the config file's keys (lb_config.cpp)
  core::add_ms_flag(*cmd, "--health-interval-ms", cfg->check.interval, 10, day_ms,
                    "time between health checks of a backend (default 1000)");
  core::add_ms_flag(*cmd, "--health-timeout-ms", cfg->check.timeout, 10, day_ms,
                    "time a health check may take (default 1000)");
  core::add_number_flag(*cmd, "--rise", cfg->health.rise, 1u, 1000u, "successful checks to bring a backend up (default 2)");
  core::add_number_flag(*cmd, "--fall", cfg->health.fall, 1u, 1000u, "failed checks to take a backend down (default 3)");
  core::add_number_flag(*cmd, "--threads", cfg->threads, 0u, 1024u, "worker threads (default: one per CPU)");
  cmd->add_option_function<std::string>(
         "--prometheus", [cfg](const std::string& v) {
           cfg->prometheus = core::flag_value("--prometheus", [&] {
             return net::Address::parse_or_throw(v, net::Address::Use::Connect);
           });
         },
         "Prometheus that the admin listener's /dashboard queries (it proxies GET /dashboard/api/v1/...)")
      ->type_name("HOST:PORT");
  proxy::add_trusted_proxy_flag(*cmd, cfg->proxy.trusted_proxies);
  proxy::add_backend_tls_flags(*cmd, cfg->backend_tls);
  const char* acme_group = "ACME (automatic certificates)";
  cmd->add_option("--acme-directory", cfg->acme.client.directory,
                  "ACME CA's directory URL: the TLS listener's certificate is issued and renewed from there (HTTP-01)")
      ->type_name("URL")
      ->group(acme_group);
  cmd->add_option("--acme-domain", cfg->acme.client.domains, "a name of the certificate (repeatable); each must reach this lb on port 80")
      ->type_name("NAME")
      ->group(acme_group);
  cmd->add_option("--acme-dir", cfg->acme.dir, "keeps the account key and the certificate (mode 0700)")
      ->type_name("DIR")
      ->group(acme_group);
  cmd->add_option("--acme-email", cfg->acme.client.email, "the account's contact")->group(acme_group);
  cmd->add_option("--acme-ca", cfg->acme.client.ca_file, "verifies the ACME server (default: the system's CAs)")
      ->type_name("FILE")
      ->group(acme_group);
  core::add_ms_flag(*cmd, "--acme-retry-ms", cfg->acme.retry, 100, 3600000,
                    "wait after a failed issuance, doubling up to an hour (default 60000)")
      ->group(acme_group);
  const auto rate_flag = [cmd](const std::string& name, Rate& out, const std::string& help) {
    cmd->add_option_function<std::string>(
           name, [name, &out](const std::string& v) { out = core::flag_value(name, [&] { return parse_rate(v); }); }, help)
        ->type_name("RATE[:BURST]")
        ->group("Client limits");
  };
  rate_flag("--rate-limit", cfg->client_limits.requests,
            "requests per second per client address, and the burst allowed (429 beyond)");
  cmd->add_option_function<std::vector<std::string>>(
         "--rate-limit-rule", [cfg](const std::vector<std::string>& v) {
           cfg->client_limits.rules.clear();
           for (const auto& t : v)
             cfg->client_limits.rules.push_back(core::flag_value("--rate-limit-rule", [&] { return parse_rate_rule(t); }));
         },
         "a rate per client for one method and path prefix, e.g. 'POST /api/posts=5:10' (repeatable, at most 6)")
      ->type_name("[METHOD ]PREFIX=RATE[:BURST]")
      ->group("Client limits");
  core::add_number_flag(*cmd, "--max-connections-per-client", cfg->client_limits.max_connections, 0u, 1u << 24,
                        "open connections per client address (0: no limit; more are reset at accept)")
      ->group("Client limits");
  rate_flag("--connection-rate", cfg->client_limits.connections,
            "new connections per second per client address, and the burst allowed (reset beyond)");
  core::add_number_flag<std::size_t>(*cmd, "--client-table-size", cfg->client_limits.table_size, 8, std::size_t{1} << 26,
                                     "client addresses the limits track, 64 bytes each (default 65536)")
      ->group("Client limits");
  core::add_number_flag(*cmd, "--retries", cfg->proxy.retries, 0u, 100u,
                        "attempts on other backends after a failure (default 3)");
  core::add_ms_flag(*cmd, "--connect-timeout-ms", cfg->proxy.connect_timeout, 1, day_ms,
                    "time to connect to a backend (default 2000)");
  core::add_ms_flag(*cmd, "--server-timeout-ms", cfg->proxy.server_timeout, 1, day_ms,
                    "time a backend may stay silent while answering (default 30000; 504 beyond)");

  cmd->callback([cfg, &exit_code] {
    try {
      validate(*cfg);
    } catch (const std::invalid_argument& e) {
      throw core::ConfigError(std::string("lb: ") + e.what());  // usage error: exit 2
    }
    exit_code = run(*cfg);
  });
}

}  // namespace foobar::lb
