#pragma once
// Textual forms of upstream servers and proxy routes, as written on the
// command line and in config files.
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "net/subnet.hpp"
#include "net/tls_config.hpp"
#include "proxy/upstream.hpp"

namespace CLI {
class App;
}

namespace foobar::core {
class ConfigSection;
}

namespace foobar::net {
class TlsClientContext;
}

namespace foobar::proxy {

// "HOST:PORT" or "[V6]:PORT" -> server (weight 1, not backup).
// Throws std::invalid_argument with a short reason on a malformed address.
ServerConfig parse_server(std::string_view text);

// A web-role proxy route: requests whose path starts with prefix go to servers.
struct ProxyRoute {
  std::string prefix;
  std::vector<ServerConfig> servers;
};

// "PREFIX=HOST:PORT,HOST:PORT,..." (e.g. "/api/=127.0.0.1:8081,127.0.0.1:8082").
// Throws std::invalid_argument naming what is wrong.
ProxyRoute parse_proxy_route(std::string_view spec);

// --trusted-proxy ADDRESS[/PREFIX] (repeatable) into out: ProxyOptions::trusted_proxies.
void add_trusted_proxy_flag(CLI::App& cmd, std::vector<net::Subnet>& out);

// TLS towards the servers, for both roles that proxy (lb -> web, web -> app):
// --backend-tls, --backend-tls-ca FILE, --backend-tls-name NAME, and the keys
// backend_tls, backend_tls_ca, backend_tls_name of the role's config section
// (ConfigError naming file, line and key).
void add_backend_tls_flags(CLI::App& cmd, net::TlsClientConfig& out);
void read_backend_tls(const core::ConfigSection& section, net::TlsClientConfig& out);
// The context for config (null when off). Throws core::ConfigError naming the
// CA file and why, or the setting given while backend TLS is off.
std::shared_ptr<const net::TlsClientContext> load_backend_tls(const net::TlsClientConfig& config);

}  // namespace foobar::proxy
