#pragma once
// What a role's TLS listeners need, as parsed from flags or the [<role>.tls]
// table (http/server_options): plain values, checked when the context loads.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace foobar::net {

struct TlsConfig {
  std::vector<Address> listen;                 // TLS listeners; none: TLS is off
  // Certificate chains (PEM, leaf first) and their keys, paired by position:
  // an ECDSA and an RSA one for the same names side by side, other names
  // picked by SNI. The OCSP response stapled for a chain, if any, is the DER
  // file "<cert>.ocsp" beside it.
  std::vector<std::string> certs;
  std::vector<std::string> keys;
  std::chrono::milliseconds handshake_timeout{10'000};
  // Ticket encryption keys persist here (mode 0600) so a restart keeps
  // resumption; "" keeps them in memory only.
  std::string ticket_key_file;
  bool redirect_https = false;                 // plain listeners answer 301/308 to https
  bool only = false;                           // no plain listener (a tier behind a re-encrypting proxy)
  std::int64_t hsts_max_age = 63072000;        // Strict-Transport-Security on TLS responses; 0: none
  bool hsts_include_subdomains = false;

  bool enabled() const noexcept { return !listen.empty(); }
};

// TLS towards a proxy's servers (lb -> web, web -> app): [<role>] backend_tls*.
struct TlsClientConfig {
  bool enabled = false;
  std::string ca_file;      // verifies the servers' certificates; "": the system's trust store
  std::string server_name;  // sent as SNI and required in every server's certificate; "": each server's own IP
};

}  // namespace foobar::net
