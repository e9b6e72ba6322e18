#include "proxy/route_spec.hpp"

#include <stdexcept>

#include <CLI/CLI.hpp>

#include "core/flags.hpp"

#include "net/address.hpp"

namespace foobar::proxy {

ServerConfig parse_server(std::string_view text) {
  ServerConfig s;
  s.address = net::Address::parse_or_throw(text, net::Address::Use::Connect);
  return s;
}

ProxyRoute parse_proxy_route(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos)
    throw std::invalid_argument("bad proxy route '" + std::string(spec) + "' (want PREFIX=HOST:PORT,...)");
  ProxyRoute r;
  r.prefix = std::string(spec.substr(0, eq));
  if (r.prefix.empty() || r.prefix.front() != '/')
    throw std::invalid_argument("proxy route prefix must start with '/': '" + std::string(spec) + "'");
  std::string_view rest = spec.substr(eq + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    if (!item.empty()) r.servers.push_back(parse_server(item));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (r.servers.empty())
    throw std::invalid_argument("proxy route '" + std::string(spec) + "' lists no server");
  for (std::size_t i = 0; i < r.servers.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (r.servers[i].name() == r.servers[j].name())
        throw std::invalid_argument("server listed twice in proxy route: " + r.servers[i].name());
  return r;
}

void add_trusted_proxy_flag(CLI::App& cmd, std::vector<net::Subnet>& out) {
  cmd.add_option_function<std::vector<std::string>>(
         "--trusted-proxy",
         [&out](const std::vector<std::string>& v) {
           out.clear();
           for (const auto& t : v)
             out.push_back(core::flag_value("--trusted-proxy", [&] { return net::parse_subnet_or_throw(t); }));
         },
         "peer whose X-Forwarded-For and Forwarded are believed and kept (repeatable; default: none, a "
         "client's are dropped)")
      ->type_name("ADDRESS[/PREFIX]");
}

}  // namespace foobar::proxy
