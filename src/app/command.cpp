#include "app/command.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/app_config.hpp"
#include "app/db_metrics.hpp"
#include "app/site/board_handler.hpp"
#include "core/flags.hpp"
#include "core/runtime.hpp"
#include "db/cluster.hpp"
#include "db/failover.hpp"
#include "db/replica_monitor.hpp"
#include "http/metrics_handler.hpp"
#include "http/server_options.hpp"

namespace foobar::app {
namespace {

db::ServerOptions server_options(const AppConfig& cfg, const net::Address& addr, const std::string& user,
                                 const std::string& password, const std::string& database) {
  db::ServerOptions o;
  o.endpoint = addr;
  o.user = user;
  o.password = password;
  o.database = database;
  o.connect_timeout = cfg.db_connect_timeout;
  o.query_timeout = cfg.db_query_timeout;
  o.network_timeout = cfg.db_network_timeout;
  o.tls_ca = cfg.db_tls_ca;
  return o;
}

int run(const AppConfig& cfg) {
  auto secrets = validate_app_config(cfg);
  db::init_library();
  db::ClusterOptions co;
  std::vector<net::Address> servers{*cfg.db_primary};
  servers.insert(servers.end(), cfg.db_replicas.begin(), cfg.db_replicas.end());
  for (const auto& a : servers) co.servers.push_back(server_options(cfg, a, cfg.db_user, secrets.password, cfg.db_name));
  co.pool.max_size = cfg.db_pool_size;
  co.pool.acquire_timeout = cfg.db_query_timeout;
  co.causal_wait = cfg.causal_wait;

  // The monitor checks with the monitor user; without one, servers are only
  // pinged and the configured primary stays the primary (no failover).
  bool monitor_user = !cfg.db_monitor_user.empty();
  const auto& mu = monitor_user ? cfg.db_monitor_user : cfg.db_user;
  const auto& mp = monitor_user ? secrets.monitor_password : secrets.password;
  db::MonitorOptions mo;
  mo.interval = cfg.monitor_interval;
  mo.max_replica_lag = cfg.max_replica_lag;
  mo.replication_status = monitor_user;
  std::vector<db::ServerOptions> monitored;
  for (const auto& a : servers) monitored.push_back(server_options(cfg, a, mu, mp, ""));

  core::Runtime rt(cfg.threads);
  auto board = std::make_shared<db::HealthBoard>(db::initial_health(co.servers));
  const auto monitor_ex = rt.context(0).get_executor();
  db::ReplicaMonitor monitor(monitor_ex, monitored, mo, board);
  monitor.start();
  std::unique_ptr<db::FailoverManager> failover;
  if (monitor_user) {
    db::FailoverOptions fo;
    fo.interval = cfg.monitor_interval;
    fo.failover_after = cfg.db_failover_after;
    failover = std::make_unique<db::FailoverManager>(monitor_ex, monitored, fo, board);
    failover->start();
  }
  core::metrics::Registry metrics(rt.size());
  core::metrics::add_process_metrics(metrics, "app", FOOBAR_VERSION);
  add_db_metrics(metrics, board);
  const site::RouteMetrics route_metrics(metrics);
  const db::ClusterMetrics db_metrics(metrics, co.servers, co.pool.max_size);
  auto server_cfg = cfg.server;
  if (cfg.server.admin) server_cfg.metrics = &metrics;  // counted only where someone can read them
  http::Server server(rt, server_cfg, [&](unsigned worker, asio::io_context& io) {
    return std::make_unique<site::BoardHandler>(
        std::make_unique<db::Cluster>(io.get_executor(), co, board, db_metrics, worker), route_metrics, worker);
  });
  auto admin = http::open_admin(rt, cfg.server, metrics, [&metrics](unsigned, asio::io_context&) {
    return std::make_unique<http::MetricsHandler>(metrics);
  });
  rt.on_stop([&] {
    server.stop();
    if (admin) admin->stop();
    monitor.stop();
    if (failover) failover->stop();
  });
  spdlog::info("app: primary {}, {} replica(s), {} threads", cfg.db_primary->str(), cfg.db_replicas.size(), rt.size());
  return rt.run(cfg.server.limits.shutdown_timeout);
}

}  // namespace

void add_command(CLI::App& cli, int& exit_code) {
  auto cfg = std::make_shared<AppConfig>();
  cfg->server.listen = net::Address(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 8081));
  auto* cmd = cli.add_subcommand("app", "application server: www.foobar.com's API on a MariaDB primary + replicas");
  // --config first: CLI11 applies options in definition order, so flags override the file.
  cmd->add_option_function<std::string>(
         "--config", [cfg](const std::string& path) { read_app_config(core::ConfigFile::load(path), *cfg); },
         "TOML config file ([app] section)")
      ->type_name("FILE");
  constexpr auto connect = net::Address::Use::Connect;
  cmd->add_option_function<std::string>(
         "--db-primary",
         [cfg](const std::string& v) {
           cfg->db_primary = core::flag_value("--db-primary", [&] { return net::Address::parse_or_throw(v, connect); });
         },
         "primary MariaDB server (numeric IP)")
      ->type_name("HOST:PORT");
  cmd->add_option_function<std::vector<std::string>>(
         "--db-replica", [cfg](const std::vector<std::string>& v) {
           cfg->db_replicas.clear();
           for (const auto& r : v)
             cfg->db_replicas.push_back(
                 core::flag_value("--db-replica", [&] { return net::Address::parse_or_throw(r, connect); }));
         },
         "a replica (repeatable)")
      ->type_name("HOST:PORT");
  cmd->add_option("--db-name", cfg->db_name, "database name (default foobar)");
  cmd->add_option("--db-user", cfg->db_user, "application database user");
  cmd->add_option("--db-password-file", cfg->db_password_file, "file holding the password (else env FOOBAR_DB_PASSWORD)")
      ->type_name("FILE");
  cmd->add_option("--db-tls-ca", cfg->db_tls_ca,
                  "TLS to every database server, its certificate verified against this CA (PEM)")
      ->type_name("FILE");
  cmd->add_option("--db-monitor-user", cfg->db_monitor_user, "user for SHOW ALL REPLICAS STATUS (REPLICA MONITOR privilege)");
  cmd->add_option("--db-monitor-password-file", cfg->db_monitor_password_file,
                  "its password file (else env FOOBAR_DB_MONITOR_PASSWORD)")
      ->type_name("FILE");
  // The same ranges as the config file's keys (app_config.cpp).
  core::add_number_flag(*cmd, "--max-replica-lag", cfg->max_replica_lag, 0.0, 86400.0,
                        "seconds a replica may lag and still serve reads (default 5)");
  core::add_number_flag(*cmd, "--threads", cfg->threads, 0u, 1024u, "worker threads (default: one per CPU)");
  core::add_ms_flag(*cmd, "--monitor-interval-ms", cfg->monitor_interval, 50, 60000, "replica check interval (default 1000)");
  core::add_ms_flag(*cmd, "--causal-wait-ms", cfg->causal_wait, 0, 60000,
                    "how long a read-your-writes read waits on a replica before using the primary (default 500)");
  core::add_number_flag(*cmd, "--db-pool-size", cfg->db_pool_size, 1u, 10000u,
                        "connections per worker per server (default 32)");
  core::add_ms_flag(*cmd, "--db-connect-timeout-ms", cfg->db_connect_timeout, 10, 60000,
                    "database connect timeout (default 1000)");
  core::add_ms_flag(*cmd, "--db-query-timeout-ms", cfg->db_query_timeout, 10, 3600000,
                    "database query timeout (default 5000)");
  core::add_ms_flag(*cmd, "--db-failover-after-ms", cfg->db_failover_after, 0, 3600000,
                    "promote a replica when the primary has taken no writes this long and no replica still "
                    "reaches it (default 3000; 0: never; needs --db-monitor-user)");
  core::add_ms_flag(*cmd, "--db-network-timeout-ms", cfg->db_network_timeout, 0, 3600000,
                    "a query the server's TCP has not acknowledged in this time fails at once: a partitioned server "
                    "costs this, not the query timeout (default 1000; 0: the kernel's default)");
  http::add_server_flags(*cmd, cfg->server);
  cmd->callback([cfg, &exit_code] { exit_code = run(*cfg); });
}

}  // namespace foobar::app
