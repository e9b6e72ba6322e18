#pragma once
// Settings of the web role: its listener and the static file service.
#include <chrono>

#include "core/config.hpp"
#include "http/server.hpp"
#include "proxy/route_spec.hpp"
#include "web/static_handler.hpp"

namespace foobar::web {

struct WebConfig {
  http::ServerConfig server{.name = "web"};
  unsigned threads = 0;  // 0: one per CPU
  StaticConfig files{.cache_control = default_cache_control()};
  std::vector<proxy::ProxyRoute> proxies;  // --proxy PREFIX=HOST:PORT,... (src/proxy)
  std::vector<net::Subnet> trusted_proxies;  // whose X-Forwarded-For the proxied requests keep (the lbs)
  net::TlsClientConfig backend_tls;          // TLS towards the proxied app servers (off by default)
};

// Applies the [web] section of a config file onto cfg (keys absent keep their value).
// Throws core::ConfigError naming file, line and key.
void read_web_config(const core::ConfigFile& file, WebConfig& cfg);

}  // namespace foobar::web
