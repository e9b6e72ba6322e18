#pragma once
// The listener settings every role shares (limits, timeouts, access log), from
// a config section and from command-line flags, so each role spells them the same.
#include "core/config.hpp"
#include "http/server.hpp"

namespace CLI {
class App;
}

namespace foobar::http {

// Reads listen, access_log and a [<role>.limits] table from section.
// Keys: see docs/configuration.md. Throws core::ConfigError.
void read_server_config(const core::ConfigSection& section, ServerConfig& out);

// --listen, --access-log and the limit flags (--max-header-bytes, --header-timeout-ms, ...).
void add_server_flags(CLI::App& cmd, ServerConfig& out);

}  // namespace foobar::http
