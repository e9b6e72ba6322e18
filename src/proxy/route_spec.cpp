#include "proxy/route_spec.hpp"

#include <cctype>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "core/config.hpp"
#include "core/flags.hpp"
#include "net/address.hpp"
#include "net/tls_client_context.hpp"

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

namespace {

// The DNS name sent as SNI and checked in certificates: letters, digits, '-'
// and '.'. Not an IP address, which SNI cannot carry (RFC 6066 section 3): the
// default already checks each server's IP. Throws std::invalid_argument.
std::string parse_server_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 253;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  if (!ok) throw std::invalid_argument("must be a DNS name (letters, digits, '-' and '.')");
  error_code ec;
  asio::ip::make_address(std::string(name), ec);
  if (!ec) throw std::invalid_argument("is an IP address: leave it unset and each server's IP is checked");
  return std::string(name);
}

}  // namespace

void add_backend_tls_flags(CLI::App& cmd, net::TlsClientConfig& out) {
  const std::string group = "Backend TLS";
  cmd.add_flag("--backend-tls", out.enabled, "speak TLS to the servers (and their HTTP health checks)")->group(group);
  cmd.add_option("--backend-tls-ca", out.ca_file,
                 "CA certificates (PEM) the servers' certificates must chain to (default: the system's trust store)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option_function<std::string>(
         "--backend-tls-name",
         [&out](const std::string& name) {
           out.server_name = core::flag_value("--backend-tls-name", [&] { return parse_server_name(name); });
         },
         "name sent as SNI and required in every server's certificate (default: the server's IP, no SNI)")
      ->type_name("NAME")
      ->group(group);
}

void read_backend_tls(const core::ConfigSection& section, net::TlsClientConfig& out) {
  if (auto on = section.boolean("backend_tls")) out.enabled = *on;
  if (auto ca = section.string("backend_tls_ca")) out.ca_file = *ca;
  if (auto name = section.string("backend_tls_name")) {
    try {
      out.server_name = parse_server_name(*name);
    } catch (const std::invalid_argument& e) {
      section.fail("backend_tls_name", e.what());
    }
  }
}

std::shared_ptr<const net::TlsClientContext> load_backend_tls(const net::TlsClientConfig& config) {
  if (!config.enabled) {
    if (!config.ca_file.empty() || !config.server_name.empty())
      throw core::ConfigError("backend TLS is off (--backend-tls, backend_tls = true) but a CA or server name is set");
    return nullptr;
  }
  return net::TlsClientContext::load(config);
}

}  // namespace foobar::proxy
