#pragma once
// A database server address: a numeric IP and a port (no DNS: resolving a name
// would block a worker thread).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace foobar::db {

struct Endpoint {
  std::string host;  // numeric IPv4 or IPv6 address
  std::uint16_t port = 3306;

  std::string str() const;  // "127.0.0.1:3306" or "[::1]:3306"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "IP:PORT" or "[IPv6]:PORT"; nullopt if the host is not a numeric IP
// address or the port is not 1..65535.
std::optional<Endpoint> parse_endpoint(std::string_view text);

}  // namespace foobar::db
