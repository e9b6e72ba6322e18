#include "ctl/http_probe.hpp"

#include <fmt/format.h>

namespace foobar::ctl {

http::FetchResult http_probe(const net::Address& a, const std::string& path, std::chrono::milliseconds timeout,
                             const std::string& method, const std::string& body) {
  const auto target = a.local_target();
  std::string req = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: foobar-ctl\r\n",
                                method, path, target.str());
  if (!body.empty() || method == "POST")
    req += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
  req += "\r\n" + body;
  auto r = http::fetch_blocking(target.endpoint(), std::move(req), method == "HEAD" ? http::Method::Head : http::Method::Get,
                                timeout);
  if (!r.error.empty()) r.error = target.str() + ": " + r.error;
  return r;
}

}  // namespace foobar::ctl
