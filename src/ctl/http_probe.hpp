#pragma once
// A small blocking HTTP/1.1 GET for `foobar up` and `foobar status`: health
// checks and reading the roles' counters. Never used on a request path.
#include <chrono>
#include <string>

#include "ctl/topology.hpp"

namespace foobar::ctl {

struct ProbeResult {
  int status = 0;     // 0: no (complete) response; error says why
  std::string body;   // de-chunked
  std::string error;
};

// GET path from e with Connection: close; the whole exchange bounded by timeout.
ProbeResult http_probe(const Endpoint& e, const std::string& path,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                       const std::string& method = "GET", const std::string& body = "");

}  // namespace foobar::ctl
