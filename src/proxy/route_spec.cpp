#include "proxy/route_spec.hpp"

#include <charconv>
#include <stdexcept>

#include "net/endpoint.hpp"

namespace foobar::proxy {

ServerConfig parse_server(std::string_view text) {
  ServerConfig s;
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("bad address '" + std::string(text) + "' (want [V6]:PORT)");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      throw std::invalid_argument("bad address '" + std::string(text) + "' (want HOST:PORT)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc{} || ptr != port.data() + port.size() || p == 0 || p > 65535)
    throw std::invalid_argument("bad port in '" + std::string(text) + "'");
  std::string why;
  if (!net::parse_endpoint(text, &why))  // numeric addresses only: no DNS on any path
    throw std::invalid_argument("bad address '" + std::string(text) + "': " + why);
  s.host = std::string(host);
  s.port = static_cast<std::uint16_t>(p);
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

}  // namespace foobar::proxy
