#include "app/app_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "http/server_options.hpp"

namespace foobar::app {

namespace {
std::string read_secret(const std::string& file, const char* env, const char* what) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw core::ConfigError(std::string("app: cannot read ") + what + " file '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (const char* v = std::getenv(env)) return v;
  return {};
}
}  // namespace

void read_app_config(const core::ConfigFile& file, AppConfig& cfg) {
  auto app = file.root().table("app");
  if (!app) return;
  app->allow_only(http::server_config_keys({"threads", "db_primary", "db_replicas",
                   "db_name", "db_user", "db_password_file", "db_tls_ca", "db_monitor_user", "db_monitor_password_file",
                   "max_replica_lag", "monitor_interval_ms", "causal_wait_ms", "db_pool_size",
                   "db_connect_timeout_ms", "db_query_timeout_ms",
                   "db_network_timeout_ms", "db_failover_after_ms"}));
  http::read_server_config(*app, cfg.server);
  if (auto t = app->integer("threads", 0, 1024)) cfg.threads = static_cast<unsigned>(*t);
  constexpr auto connect = net::Address::Use::Connect;
  if (auto a = net::read_address(*app, "db_primary", connect)) cfg.db_primary = *a;
  if (auto v = app->strings("db_replicas")) {
    cfg.db_replicas.clear();
    for (const auto& r : *v) {
      std::string why;
      auto a = net::Address::parse(r, connect, &why);
      if (!a) app->fail("db_replicas", "'" + r + "': " + why);
      cfg.db_replicas.push_back(*a);
    }
  }
  if (auto v = app->string("db_name")) cfg.db_name = *v;
  if (auto v = app->string("db_user")) cfg.db_user = *v;
  if (auto v = app->string("db_password_file")) cfg.db_password_file = *v;
  if (auto v = app->string("db_tls_ca")) cfg.db_tls_ca = *v;
  if (auto v = app->string("db_monitor_user")) cfg.db_monitor_user = *v;
  if (auto v = app->string("db_monitor_password_file")) cfg.db_monitor_password_file = *v;
  if (auto v = app->number("max_replica_lag", 0, 86400)) cfg.max_replica_lag = *v;
  if (auto v = app->integer("monitor_interval_ms", 50, 60000)) cfg.monitor_interval = std::chrono::milliseconds(*v);
  if (auto v = app->integer("causal_wait_ms", 0, 60000)) cfg.causal_wait = std::chrono::milliseconds(*v);
  if (auto v = app->integer("db_pool_size", 1, 10000)) cfg.db_pool_size = static_cast<unsigned>(*v);
  if (auto v = app->integer("db_connect_timeout_ms", 10, 60000)) cfg.db_connect_timeout = std::chrono::milliseconds(*v);
  if (auto v = app->integer("db_query_timeout_ms", 10, 3600000)) cfg.db_query_timeout = std::chrono::milliseconds(*v);
  if (auto v = app->integer("db_network_timeout_ms", 0, 3600000)) cfg.db_network_timeout = std::chrono::milliseconds(*v);
  if (auto v = app->integer("db_failover_after_ms", 0, 3600000)) cfg.db_failover_after = std::chrono::milliseconds(*v);
}

DbSecrets validate_app_config(const AppConfig& cfg) {
  if (!cfg.db_primary) throw core::ConfigError("app: --db-primary (or [app] db_primary) is required");
  if (cfg.db_user.empty()) throw core::ConfigError("app: --db-user (or [app] db_user) is required");
  if (cfg.db_name.empty()) throw core::ConfigError("app: --db-name must not be empty");
  if (cfg.max_replica_lag < 0) throw core::ConfigError("app: --max-replica-lag must be >= 0");
  DbSecrets s;
  s.password = read_secret(cfg.db_password_file, "FOOBAR_DB_PASSWORD", "--db-password-file");
  if (!cfg.db_monitor_user.empty())
    s.monitor_password = read_secret(cfg.db_monitor_password_file, "FOOBAR_DB_MONITOR_PASSWORD",
                                     "--db-monitor-password-file");
  return s;
}

}  // namespace foobar::app
