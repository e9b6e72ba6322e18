#pragma once
// Settings of the lb role, from the [lb] section of a config file and from
// flags (flags override the file). Plain structs; no parsing at run time.
#include <optional>
#include <string>
#include <vector>

#include "acme/renewer.hpp"
#include "core/asio.hpp"
#include "http/server.hpp"
#include "lb/client_limits.hpp"
#include "proxy/health_check.hpp"
#include "proxy/proxy_service.hpp"
#include "proxy/upstream.hpp"

namespace foobar::core {
class ConfigSection;
}

namespace foobar::lb {

struct LbConfig {
  http::ServerConfig server;                  // the client-facing listener (name "lb")
  std::vector<proxy::ServerConfig> backends;  // primaries and backups
  proxy::ProxyOptions proxy;                  // its tls is loaded from backend_tls at start
  net::TlsClientConfig backend_tls;           // TLS towards the backends (off by default)
  proxy::CheckConfig check;
  proxy::HealthConfig health;
  unsigned threads = 0;                       // 0: one per CPU
  std::optional<net::Address> prometheus;     // where /dashboard's queries go (admin listener); none: no dashboard
  ClientLimitsConfig client_limits;           // per-client rates and connections (off by default)
  acme::AcmeSettings acme;                    // certificates from an ACME CA for the TLS listener (off by default)

  LbConfig();
};

// Reads the [lb] section (keys: docs/lb.md) into out. Throws core::ConfigError
// naming the file, line and key.
void read_lb_config(const core::ConfigSection& lb, LbConfig& out);

// The per-client limits' keys (rate_limit = { requests_per_second, burst },
// [[lb.rate_limit_rules]], max_connections_per_client, connection_rate,
// client_table_size) of the lb's [lb], or of a topology's [lb] for foobar up
// and render. Throws core::ConfigError naming the file, line and key.
void read_client_limits(const core::ConfigSection& section, ClientLimitsConfig& out);
// The lb flags that give these limits (none for the defaults).
std::vector<std::string> client_limit_flags(const ClientLimitsConfig& limits);

// "RATE[:BURST]" (--rate-limit, --connection-rate; burst defaults to the
// rate) and "[METHOD ]PREFIX=RATE[:BURST]" (--rate-limit-rule). Throw
// std::invalid_argument saying why.
Rate parse_rate(std::string_view text);
RateRule parse_rate_rule(std::string_view text);

// Checks what flags and file cannot check one by one (at least one backend...).
// Throws std::invalid_argument with a message for the user.
void validate(const LbConfig& cfg);

}  // namespace foobar::lb
