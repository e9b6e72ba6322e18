#include "ctl/http_probe.hpp"

#include <thread>

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

int run_probe(const net::Address& a, const std::string& path, std::chrono::milliseconds watch,
              std::chrono::milliseconds every, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + watch;
  for (;;) {
    auto r = http_probe(a, path, timeout);
    if (r.status < 200 || r.status > 299) {
      fmt::print(stderr, "foobar probe: {}{}: {}\n", a.str(), path,
                 r.status ? fmt::format("status {}", r.status) : r.error);
      return 1;
    }
    if (std::chrono::steady_clock::now() + every >= end) return 0;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace foobar::ctl
