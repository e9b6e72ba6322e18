#pragma once
// A small blocking HTTP/1.1 request for `foobar up` and `foobar status`: health
// checks and reading the roles' counters, over the one client (http/client).
// Never used on a request path.
#include <chrono>
#include <string>

#include "http/client.hpp"
#include "net/address.hpp"

namespace foobar::ctl {

// method path to the listener at a (a listener on every interface is asked on
// loopback) with Connection: close; bounded by timeout of inactivity.
http::FetchResult http_probe(const net::Address& a, const std::string& path,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                             const std::string& method = "GET", const std::string& body = "");

// `foobar probe`: GETs path every `every` for `watch` (once when watch is 0)
// and returns 0 while each answer is 2xx, 1 at the first that is not. A
// keepalived check script: one run of about a second watches the lb closely
// enough for sub-second failover, where keepalived's interval is whole seconds.
int run_probe(const net::Address& a, const std::string& path, std::chrono::milliseconds watch,
              std::chrono::milliseconds every, std::chrono::milliseconds timeout);

}  // namespace foobar::ctl
