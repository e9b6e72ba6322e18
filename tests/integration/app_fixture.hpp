#pragma once
// A `foobar app` process on the shared MariaDB test cluster, plus JSON helpers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

#include "mariadb_cluster.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace foobar::test {

using namespace std::chrono_literals;

class AppProcess {
 public:
  explicit AppProcess(std::vector<std::string> extra = {}) {
    auto& c = cluster();
    std::vector<std::string> argv{foobar_bin(), "app", "--listen", "127.0.0.1:0", "--threads", "2",
                                  "--db-primary", c.primary_addr(), "--db-replica", c.replica_addr(),
                                  "--db-name", c.accounts.database, "--db-user", c.accounts.app.user,
                                  "--db-password-file", c.app_password_file.string(),
                                  "--db-monitor-user", c.accounts.monitor.user,
                                  "--db-monitor-password-file", c.monitor_password_file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(argv);
    port = proc_->wait_port("app");
    if (std::find(extra.begin(), extra.end(), "--admin") != extra.end()) admin = proc_->wait_port("admin");
  }
  // Waits until /api/health reports the replica healthy (or not); true if it did in time.
  bool wait_replica(bool healthy, std::chrono::milliseconds timeout = 5s) {
    return eventually(
        [&] {
          auto j = nlohmann::json::parse(http_get(port, "/api/health").body, nullptr, false);
          return !j.is_discarded() && j.contains("replicas") && j["replicas"].size() == 1 &&
                 j["replicas"][0].value("healthy", !healthy) == healthy;
        },
        timeout);
  }
  std::string output() const { return proc_->output(); }

  int port = 0;
  int admin = 0;  // with --admin in extra

 private:
  std::unique_ptr<Process> proc_;
};

inline std::string request(const std::string& method, const std::string& path, const std::string& body = {},
                           const std::string& extra_headers = {}) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: close\r\n" + extra_headers;
  if (method == "POST" || !body.empty())
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

inline HttpResponse post(int port, const nlohmann::json& body, const std::string& cookie = {}) {
  return http_raw(port, request("POST", "/api/posts", body.dump(), cookie.empty() ? "" : "Cookie: " + cookie + "\r\n"));
}
inline HttpResponse post_raw(int port, const std::string& body) { return http_raw(port, request("POST", "/api/posts", body)); }
inline HttpResponse get(int port, const std::string& path, const std::string& cookie = {}) {
  return http_raw(port, request("GET", path, {}, cookie.empty() ? "" : "Cookie: " + cookie + "\r\n"));
}
inline nlohmann::json json(const HttpResponse& r) { return nlohmann::json::parse(r.body, nullptr, false); }
// "foobar_gtid=0-1-5" from a Set-Cookie header.
inline std::string cookie_of(const HttpResponse& r) {
  auto v = r.header("Set-Cookie");
  return v.substr(0, v.find(';'));
}

}  // namespace foobar::test
