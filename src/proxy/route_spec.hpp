#pragma once
// Textual forms of upstream servers and proxy routes, as written on the
// command line and in config files.
#include <string>
#include <string_view>
#include <vector>

#include "net/subnet.hpp"
#include "proxy/upstream.hpp"

namespace CLI {
class App;
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

}  // namespace foobar::proxy
