#pragma once
// Settings of the app role: its listener, the database cluster and the monitor.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "http/server.hpp"
#include "net/address.hpp"

namespace foobar::app {

struct AppConfig {
  http::ServerConfig server{.name = "app"};
  unsigned threads = 0;  // 0: one per CPU

  std::optional<net::Address> db_primary;
  std::vector<net::Address> db_replicas;
  std::string db_name = "foobar";
  std::string db_user;
  std::string db_password_file;           // else env FOOBAR_DB_PASSWORD
  std::string db_tls_ca;                  // TLS to every database server, verified against this CA
  std::string db_monitor_user;            // empty: replicas are only pinged (no lag check)
  std::string db_monitor_password_file;   // else env FOOBAR_DB_MONITOR_PASSWORD

  double max_replica_lag = 5.0;           // seconds
  std::chrono::milliseconds monitor_interval{1000};
  std::chrono::milliseconds causal_wait{500};
  unsigned db_pool_size = 32;             // connections per worker per server
  std::chrono::milliseconds db_connect_timeout{1000};
  std::chrono::milliseconds db_query_timeout{5000};
  std::chrono::milliseconds db_network_timeout{1000};  // unacknowledged sends end the connection
  std::chrono::milliseconds db_failover_after{3000};   // primary gone this long: promote a replica (0: never)
};

// Applies the [app] section of a config file onto cfg (absent keys keep their value).
// Throws core::ConfigError naming file, line and key.
void read_app_config(const core::ConfigFile& file, AppConfig& cfg);

// Checks cfg and reads the password files / environment. Throws core::ConfigError.
struct DbSecrets {
  std::string password;
  std::string monitor_password;
};
DbSecrets validate_app_config(const AppConfig& cfg);

}  // namespace foobar::app
