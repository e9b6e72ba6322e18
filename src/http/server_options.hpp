#pragma once
// The listener settings every role shares (limits, timeouts, access log), from
// a config section and from command-line flags, so each role spells them the same.
#include <initializer_list>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "http/server.hpp"

namespace CLI {
class App;
}

namespace foobar::http {

// Reads listen, admin, access_log, shutdown_timeout_ms, a [<role>.tls] and a [<role>.limits]
// table from section. Keys: see docs/configuration.md; tls_role_keys are more keys the
// role itself reads from its [<role>.tls] (the lb's acme). Throws core::ConfigError.
void read_server_config(const core::ConfigSection& section, ServerConfig& out,
                        std::initializer_list<std::string_view> tls_role_keys = {});

// The keys read_server_config reads, followed by role_keys: a role section's allow_only list.
std::vector<std::string_view> server_config_keys(std::initializer_list<std::string_view> role_keys);

// --listen, --admin (admin_help says what it serves), --access-log,
// --shutdown-timeout-ms, the TLS flags (--listen-tls, --tls-cert, --tls-key,
// --redirect-https, ...) and the limit flags (--max-header-bytes, ...).
void add_server_flags(CLI::App& cmd, ServerConfig& out,
                      const std::string& admin_help = "admin listener: GET /metrics (a bare PORT listens on 127.0.0.1)");

}  // namespace foobar::http
