// The brief's infrastructure on hosts of its own, each running exactly what
// `foobar render` wrote for it: its units' Exec lines (tests/support/service_unit),
// its foobar.nft loaded into its namespace, keepalived with the rendered config
// on the lb pair. Then: the firewall matrix, the site through the VIP, and the
// VIP moving when the active lb (or its keepalived, or its link) dies.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ctl/state_dir.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/lan.hpp"
#include "support/process.hpp"
#include "support/service_unit.hpp"

namespace foobar::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

const std::vector<std::string> kHosts{"lb1", "lb2", "web1", "web2", "app1", "db1", "db2", "mon", "client"};
const std::string kVip = "10.201.0.100";
// Every port any role listens on, and SSH.
const std::vector<int> kPorts{80, 443, 8404, 8080, 8405, 9000, 8406, 3306, 22};

struct Cluster {
  TempDir dir;
  std::unique_ptr<Lan> lan;
  std::map<std::string, std::vector<std::unique_ptr<ServiceUnit>>> units;  // per host, in start order
  std::map<std::string, std::unique_ptr<Process>> keepalived;

  fs::path root(const std::string& host) const { return dir / ("hosts/" + host); }
  ServiceUnit& unit(const std::string& host, const std::string& name) {
    for (auto& u : units[host])
      if (u->name() == name) return *u;
    throw std::invalid_argument("no unit " + name + " on " + host);
  }
  // A shell command inside host's namespace; its output.
  std::string sh(const std::string& host, const std::string& cmd) const {
    std::string line;
    for (const auto& a : lan->exec(host, {"sh", "-c", cmd})) line += (line.empty() ? "" : " ") + ("'" + a + "'");
    return run(line + " 2>&1");
  }
  bool holds_vip(const std::string& host) const {
    return sh(host, "ip -4 -br addr show dev eth0").find(kVip + "/") != std::string::npos;
  }
  std::vector<std::string> vip_holders() const {
    std::vector<std::string> out;
    for (const std::string h : {"lb1", "lb2"})
      if (holds_vip(h)) out.push_back(h);
    return out;
  }
  void start_keepalived(const std::string& host) {
    const auto r = root(host);
    keepalived[host] = std::make_unique<Process>(lan->exec(
        host, {"keepalived", "-n", "-l", "-D", "-f", (r / "etc/keepalived/keepalived.conf").string(), "-p",
               (r / "keepalived.pid").string(), "-r", (r / "vrrp.pid").string(), "-c", (r / "checkers.pid").string()}));
  }
};

std::string topology(const Lan& lan) {
  std::string t;
  const std::map<std::string, std::string> roles{{"lb1", "lb"},   {"lb2", "lb"},         {"web1", "web"},
                                                 {"web2", "web"}, {"app1", "app"},       {"db1", "db-primary"},
                                                 {"db2", "db-replica"}, {"mon", ""}};
  for (const auto& h : kHosts) {
    if (!roles.count(h)) continue;  // the client is no host of the site
    const auto& r = roles.at(h);
    t += fmt::format("[[host]]\nname = \"{}\"\naddress = \"{}\"\nroles = [{}]\n\n", h, lan.address(h),
                     r.empty() ? "" : "\"" + r + "\"");
  }
  t += fmt::format("[lb]\nvip = \"{}/24\"\ninterface = \"eth0\"\nhealth_interval_ms = 200\nbackend_tls = true\n\n", kVip);
  t += "[web]\nbackend_tls = true\n\n";  // re-encryption on both legs
  t += "[monitoring]\nfrom = [\"mon\"]\n\n[admin]\nfrom = [\"mon\"]\n";
  return t;
}

class RealHosts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!Lan::unavailable().empty() || !fs::exists("/usr/sbin/keepalived") || !fs::exists("/usr/sbin/nft")) return;
    auto c = std::make_unique<Cluster>();  // c_ only once all of it runs
    ::chmod(c->dir.path().c_str(), 0755);  // mysql (the DB units' User=) walks into its data dir
    c->lan = std::make_unique<Lan>(kHosts);
    std::ofstream(c->dir / "topology.toml") << topology(*c->lan);
    for (const auto& h : kHosts) {
      if (h == "client") continue;
      int status = 0;
      auto out = run(fmt::format("{} render --config {} --host {} --out {} --prefix {} --binary {} --site {} --secrets {} 2>&1",
                                 foobar_bin(), (c->dir / "topology.toml").string(), h, c->root(h).string(),
                                 c->root(h).string(), foobar_bin(), (source_dir() / "site").string(),
                                 (c->dir / "secrets").string()),
                     &status);
      if (status != 0) throw std::runtime_error("render " + h + ": " + out);
    }
    // Start order as systemd's After= gives it: firewall, database, app, web, lb.
    for (const std::string name : {"foobar-firewall", "foobar-db", "foobar-app", "foobar-web", "foobar-lb"})
      for (const auto& h : kHosts) {
        const auto unit = c->root(h) / ("etc/systemd/system/" + name + ".service");
        if (!fs::exists(unit)) continue;
        c->units[h].push_back(std::make_unique<ServiceUnit>(*c->lan, h, unit, c->root(h)));
        c->units[h].back()->start();
      }
    for (const std::string h : {"lb1", "lb2"}) c->start_keepalived(h);
    if (!eventually([&] { return c->vip_holders().size() == 1; }, 10s, 50ms))
      throw std::runtime_error("no single VIP holder: " + c->keepalived["lb1"]->output());
    c_ = c.release();
  }
  static void TearDownTestSuite() {
    delete c_;
    c_ = nullptr;
  }
  void SetUp() override {
    if (auto why = Lan::unavailable(); !why.empty()) GTEST_SKIP() << why;
    if (!c_) GTEST_SKIP() << "keepalived or nft missing (make deps installs them)";
  }

  static HttpResponse get_via_vip(const std::string& path) {
    HttpResponse r;
    c_->lan->run_in("client", [&] {
      try {
        HttpConnection conn(kVip, 80, 2s);
        conn.send("GET " + path + " HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: close\r\n\r\n");
        r = conn.read_response();
      } catch (const std::exception&) {
      }
    });
    return r;
  }

  struct Attempt {
    Clock::time_point start, end;
    bool ok;
  };
  // Steady load through the VIP from the client host until stop: two threads on
  // keep-alive connections, two opening a connection per request. A failed
  // request is retried after 100 ms, as a client would. Bounded: 100,000 each.
  static std::vector<Attempt> load(const std::atomic<bool>& stop) {
    std::vector<std::vector<Attempt>> per(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        c_->lan->run_in("client", [&] {
          std::unique_ptr<HttpConnection> conn;
          for (int i = 0; i < 100000 && !stop; ++i) {
            Attempt a{Clock::now(), {}, false};
            try {
              if (!conn) conn = std::make_unique<HttpConnection>(kVip, 80, 1s);
              const bool keep = t < 2;
              conn->send(std::string("GET /index.html HTTP/1.1\r\nHost: www.foobar.com\r\n") +
                         (keep ? "" : "Connection: close\r\n") + "\r\n");
              auto r = conn->read_response();
              a.ok = r.status == 200;
              if (!a.ok || r.closed || !keep) conn.reset();
            } catch (const std::exception&) {
              conn.reset();
            }
            a.end = Clock::now();
            per[t].push_back(a);
            if (!a.ok) std::this_thread::sleep_for(100ms);
          }
        });
      });
    for (auto& th : threads) th.join();
    std::vector<Attempt> all;
    for (auto& p : per) all.insert(all.end(), p.begin(), p.end());
    return all;
  }

  struct Failover {
    milliseconds vip_moved{-1}, first_served{-1};
    int failed = 0, in_flight = 0, total = 0;
  };
  // Runs fault under load; measures until the VIP is on the other lb and serving.
  static Failover failover(const std::string& from, const std::function<void()>& fault) {
    const std::string to = from == "lb1" ? "lb2" : "lb1";
    std::atomic<bool> stop{false};
    std::vector<Attempt> attempts;
    std::thread loader([&] { attempts = load(stop); });
    std::this_thread::sleep_for(1s);
    const auto kill_at = Clock::now();
    fault();
    Failover f;
    auto moved_at = Clock::time_point::max();
    if (eventually([&] { return c_->holds_vip(to); }, 5s, 10ms)) {
      moved_at = Clock::now();
      f.vip_moved = duration_cast<milliseconds>(moved_at - kill_at);
    }
    std::this_thread::sleep_for(2s);
    stop = true;
    loader.join();
    for (const auto& a : attempts) {
      ++f.total;
      if (a.start < kill_at && a.end > kill_at) ++f.in_flight;
      if (!a.ok && a.end > kill_at) ++f.failed;

      // Served through the new lb: begun once the VIP had moved (before, the
      // old one may still have answered: its keepalived or only its link died).
      const auto served = duration_cast<milliseconds>(a.end - kill_at);
      if (a.ok && a.start >= moved_at && (f.first_served.count() < 0 || served < f.first_served))
        f.first_served = served;
    }
    std::cout << fmt::format("failover {} -> {}: VIP moved after {} ms, first request served after {} ms; "
                             "{} of {} requests failed ({} in flight at the fault)\n",
                             from, to, f.vip_moved.count(), f.first_served.count(), f.failed, f.total, f.in_flight);
    return f;
  }
  // Both lbs' VIP state polled for a while: the longest time both held it.
  static milliseconds longest_overlap(milliseconds watch) {
    milliseconds longest{0};
    bool overlapping = false;
    auto since = Clock::now();
    const auto end = since + watch;
    while (Clock::now() < end) {
      const bool both = c_->holds_vip("lb1") && c_->holds_vip("lb2");
      if (both && !overlapping) since = Clock::now();
      if (overlapping || both) longest = std::max(longest, duration_cast<milliseconds>(Clock::now() - since));
      overlapping = both;
    }
    return longest;
  }
  // The checks every failover must pass (the issue's Must): moved and serving
  // within 2 s; failures no more than those in flight plus one connect
  // timeout's worth. While the VIP moves, each client thread fails fast (a RST
  // from the dead lb) once per 100 ms retry pause, and may lose one more
  // attempt whose SYN reached the old lb just after the VIP had left it.
  static void expect_must(const Failover& f) {
    EXPECT_GE(f.vip_moved.count(), 0) << "the VIP never moved";
    EXPECT_GE(f.first_served.count(), 0) << "nothing was served after the fault";
    EXPECT_LE(f.first_served.count(), 2000);
    EXPECT_LE(f.failed, f.in_flight + 4 * (1 + f.vip_moved.count() / 100));
  }

  static inline Cluster* c_ = nullptr;
};

// What each (source, target, port) should do, from the issue's rules, written
// here independently of src/ctl/firewall.cpp.
bool allowed(const std::string& from, const std::string& to, int port) {
  auto is = [](const std::string& h, const char* prefix) { return h.rfind(prefix, 0) == 0; };
  if (from == to) return true;  // a host reaches itself over loopback
  switch (port) {
    case 80:
    case 443: return is(to, "lb");
    case 8080: return is(to, "web") && is(from, "lb");
    case 9000: return to == "app1" && is(from, "web");
    case 3306:  // the monitoring host too: foobar status reads replication with the monitor user;
                // each database host from the other: either may be the primary after a failover
      return (to == "db1" && (from == "app1" || from == "db2" || from == "mon")) ||
             (to == "db2" && (from == "app1" || from == "db1" || from == "mon"));
    case 8404: return is(to, "lb") && from == "mon";
    case 8405: return is(to, "web") && from == "mon";
    case 8406: return to == "app1" && from == "mon";
    case 22: return from == "mon";
  }
  return false;
}

// Where a role listens (an allowed connection there must be accepted, not refused).
bool listening(const std::string& to, int port) {
  auto is = [&](const char* prefix) { return to.rfind(prefix, 0) == 0; };
  return ((port == 80 || port == 443 || port == 8404) && is("lb")) || ((port == 8080 || port == 8405) && is("web")) ||
         ((port == 9000 || port == 8406) && to == "app1") || (port == 3306 && is("db"));
}

enum class Reach { open, refused, filtered };

// Non-blocking connects to every target at once; after timeout, what answered.
std::vector<Reach> probe_all(const std::vector<std::pair<std::string, int>>& targets, milliseconds timeout) {
  std::vector<int> fds;
  std::vector<Reach> out(targets.size(), Reach::filtered);
  for (const auto& [ip, port] : targets) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fds.push_back(fd);
  }
  const auto deadline = Clock::now() + timeout;
  std::vector<bool> done(fds.size(), false);
  while (Clock::now() < deadline) {
    std::vector<pollfd> p;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (!done[i]) {
        p.push_back({fds[i], POLLOUT, 0});
        idx.push_back(i);
      }
    if (p.empty()) break;
    const int left = static_cast<int>(duration_cast<milliseconds>(deadline - Clock::now()).count());
    if (::poll(p.data(), p.size(), std::max(left, 1)) <= 0) continue;
    for (std::size_t k = 0; k < p.size(); ++k) {
      if (!p[k].revents) continue;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(p[k].fd, SOL_SOCKET, SO_ERROR, &err, &len);
      out[idx[k]] = err == 0 ? Reach::open : err == ECONNREFUSED ? Reach::refused : Reach::filtered;
      done[idx[k]] = true;
    }
  }
  for (int fd : fds) ::close(fd);
  return out;
}

}  // namespace

TEST_F(RealHosts, FirewallAllowsExactlyTheTopologysFlows) {
  std::vector<std::string> targets(kHosts.begin(), kHosts.end() - 1);  // the client runs no firewall of ours
  std::vector<std::pair<std::string, int>> endpoints;
  for (const auto& t : targets)
    for (int p : kPorts) endpoints.emplace_back(c_->lan->address(t), p);
  int wrong = 0;
  std::cout << "firewall matrix: o open, r refused (allowed, nothing listens), . filtered; * = not as expected\n";
  std::cout << fmt::format("{:>8} ", "from\\to");
  for (const auto& t : targets) std::cout << fmt::format("{:<{}}", t, kPorts.size() + 1);
  std::cout << "\n" << fmt::format("{:>8} ", "ports") << "";
  for (std::size_t i = 0; i < targets.size(); ++i) std::cout << fmt::format("{:<{}}", "80..22", kPorts.size() + 1);
  std::cout << "\n";
  for (const auto& from : kHosts) {
    std::vector<Reach> got;
    c_->lan->run_in(from, [&] { got = probe_all(endpoints, 700ms); });
    std::string row = fmt::format("{:>8} ", from);
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      const auto& to = targets[i / kPorts.size()];
      const int port = endpoints[i].second;
      const bool ok = allowed(from, to, port) ? (got[i] != Reach::filtered &&
                                                 (!listening(to, port) || from == to || got[i] == Reach::open))
                                              : got[i] == Reach::filtered;
      row += got[i] == Reach::open ? 'o' : got[i] == Reach::refused ? 'r' : '.';
      if (!ok) {
        row += '*';
        ++wrong;
        ADD_FAILURE() << from << " -> " << to << ":" << port << " was "
                      << (got[i] == Reach::open ? "open" : got[i] == Reach::refused ? "refused" : "filtered");
      }
      if (i % kPorts.size() == kPorts.size() - 1) row += ' ';
    }
    std::cout << row << "\n";
  }
  std::cout << "ports in each block: 80 443 8404 8080 8405 9000 8406 3306 22\n";
  EXPECT_EQ(wrong, 0);
  // The VIP: the site from anywhere, nothing else from the client.
  std::vector<Reach> vip;
  c_->lan->run_in("client", [&] { vip = probe_all({{kVip, 80}, {kVip, 443}, {kVip, 8404}, {kVip, 22}}, 700ms); });
  EXPECT_EQ(vip[0], Reach::open);
  EXPECT_EQ(vip[1], Reach::open);
  EXPECT_EQ(vip[2], Reach::filtered);
  EXPECT_EQ(vip[3], Reach::filtered);
}

TEST_F(RealHosts, SiteWorksThroughTheVip) {
  auto page = get_via_vip("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  const std::string text = fmt::format("through the VIP {}", ::getpid());
  const std::string body = R"({"author":"cluster","body":")" + text + R"("})";
  HttpResponse posted;
  // Retried while 503 (with Retry-After): right after the start the apps'
  // monitors may not have seen the primary yet (slow when other tests load the
  // machine), and writes wait for the replica to acknowledge them (semi-sync):
  // in one loaded run db2 showed no replication for about 35 s after the start.
  (void)eventually([&] {
    c_->lan->run_in("client", [&] {
      HttpConnection conn(kVip, 80, 10s);
      conn.send("POST /api/posts HTTP/1.1\r\nHost: www.foobar.com\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
      posted = conn.read_response();
    });
    return posted.status != 503;
  }, 90s, 250ms);
  if (posted.status != 201) {
    Process* app = c_->unit("app1", "foobar-app").main();
    Process* replica = c_->unit("db2", "foobar-db").main();
    const auto socket = c_->root("db2") / "var/lib/foobar/db/mysqld.sock";
    ADD_FAILURE() << "POST answered " << posted.status << ": " << posted.body << "\napp1's /api/health: "
                  << get_via_vip("/api/health").body << "\napp1's log:\n" << (app ? app->output() : "")
                  << "\ndb2's replica status:\n"
                  << c_->sh("db2", fmt::format("mariadb --user=root --socket={} -E -e \"SHOW SLAVE STATUS\"", socket.string()))
                  << "\ndb2's log:\n" << (replica ? replica->output() : "");
    return;
  }
  // Read back (from a replica once it has it; read-your-writes is the app's concern).
  EXPECT_TRUE(eventually([&] { return get_via_vip("/api/posts").body.find(text) != std::string::npos; }, 10s, 100ms));
  // HTTPS with the CA the render made.
  const auto ca = c_->root("lb1") / "etc/foobar/tls/ca.pem";
  auto out = c_->sh("client", fmt::format("curl -sS -o /dev/null -w '%{{http_code}}' --cacert {} --resolve "
                                          "www.foobar.com:443:{} https://www.foobar.com/",
                                          ca.string(), kVip));
  EXPECT_EQ(out, "200");
}

// The rendered databases speak TLS only, each with its own certificate from the
// secrets dir's CA: a client without TLS is refused, one that verifies the
// server's address gets TLS 1.3, and the replica verifies its primary.
TEST_F(RealHosts, DatabaseTrafficIsTlsOnlyAndVerified) {
  const auto ca = c_->root("app1") / "etc/foobar/tls/ca.pem";
  const auto login = c_->dir / "monitor.cnf";  // no password on a command line
  std::ofstream(login) << "[client]\nuser=foobar_monitor\npassword=" << ctl::read_secret(c_->dir / "secrets/monitor.password")
                       << "\n";
  const auto db1 = c_->lan->address("db1");
  auto client = [&](const std::string& host, const std::string& flags) {
    return c_->sh(host, fmt::format("mariadb --defaults-extra-file={} -h {} {} -N -B -e \"SHOW SESSION STATUS LIKE "
                                    "\\\"Ssl_version\\\"\"",
                                    login.string(), db1, flags));
  };
  // (sh() quotes each word in '': no single quotes in these commands.)
  const auto plain = client("app1", "--skip-ssl");
  EXPECT_NE(plain.find("ERROR"), std::string::npos) << plain;
  EXPECT_EQ(client("app1", fmt::format("--ssl-ca={} --ssl-verify-server-cert", ca.string())), "Ssl_version\tTLSv1.3\n");
  // Each certificate names its own server only.
  for (const std::string db : {"db1", "db2"}) {
    const auto cert = c_->root(db) / "etc/foobar/tls/db.pem";
    auto verify = [&](const std::string& ip) {
      return c_->sh("client", fmt::format("openssl verify -CAfile {} -verify_ip {} {}", ca.string(), ip, cert.string()));
    };
    const auto other = c_->lan->address(db == "db1" ? "db2" : "db1");
    EXPECT_NE(verify(c_->lan->address(db)).find(": OK"), std::string::npos) << verify(c_->lan->address(db));
    EXPECT_EQ(verify(other).find(": OK"), std::string::npos) << verify(other);
  }
  EXPECT_EQ(fs::status(c_->root("db1") / "etc/foobar/tls/db-key.pem").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto socket = c_->root("db2") / "var/lib/foobar/db/mysqld.sock";
  const auto status = c_->sh("db2", fmt::format("mariadb --user=root --socket={} -E -e \"SHOW SLAVE STATUS\"", socket.string()));
  EXPECT_NE(status.find("Master_SSL_Allowed: Yes"), std::string::npos) << status;
  EXPECT_NE(status.find("Master_SSL_Verify_Server_Cert: Yes"), std::string::npos) << status;
  EXPECT_NE(status.find("Slave_IO_Running: Yes"), std::string::npos) << status;
}

// Re-encryption: the web and app servers speak TLS only, each with a certificate
// for its own address that the tier in front verifies.
TEST_F(RealHosts, TheTiersBehindTheLbSpeakTlsOnly) {
  const auto ca = c_->root("lb1") / "etc/foobar/tls/ca.pem";
  for (const auto& [from, to, port] : {std::tuple{"lb1", "web1", 8080}, {"lb2", "web2", 8080}, {"web1", "app1", 9000}}) {
    const auto at = fmt::format("{}:{}", c_->lan->address(to), port);
    const auto tls = c_->sh(from, fmt::format("openssl s_client -brief -connect {} -CAfile {} -verify_ip {} "
                                              "-verify_return_error < /dev/null",
                                              at, ca.string(), c_->lan->address(to)));
    EXPECT_NE(tls.find("Verification: OK"), std::string::npos) << from << " -> " << at << ": " << tls;
    EXPECT_NE(tls.find("Protocol version: TLSv1.3"), std::string::npos) << tls;
    // Plain HTTP there is told to use TLS, as nginx does (400), and never served.
    const auto plain = c_->sh(from, fmt::format("curl -s -m 2 http://{}/", at));
    EXPECT_EQ(plain, "This port speaks HTTPS: use an https:// URL.\n") << from << " -> " << at;
  }
}

TEST_F(RealHosts, StatusFromTheMonitoringHostShowsEveryNode) {
  const auto cmd = fmt::format("{} status --config {} --secrets {} --json", foobar_bin(),
                               (c_->dir / "topology.toml").string(), (c_->dir / "secrets").string());
  // The replica may still be applying the last test's post.
  nlohmann::json j;
  ASSERT_TRUE(eventually(
      [&] {
        j = nlohmann::json::parse(c_->sh("mon", cmd), nullptr, false);
        return !j.is_discarded() && j["all_up"] == true;
      },
      10s, 200ms))
      << j.dump(2);
  std::set<std::string> names;
  for (const auto& n : j["nodes"]) {
    names.insert(n["name"]);
    EXPECT_TRUE(n["up"].get<bool>()) << n.dump();
    if (n["role"] == "web") {
      EXPECT_GE(n["requests"].get<long long>(), 1) << n.dump();  // the lb's health checks at least
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"db-primary@db1", "db-replica1@db2", "app1@app1", "web1@web1", "web2@web2",
                                          "lb1@lb1", "lb2@lb2"}));
  for (const auto& n : j["nodes"])
    if (n["role"] == "db-replica") {
      EXPECT_TRUE(n["db"]["reachable"].get<bool>()) << n.dump();
      EXPECT_TRUE(n["db"]["replication_running"].get<bool>()) << n.dump();
    }
  std::cout << c_->sh("mon", fmt::format("{} status --config {} --secrets {}", foobar_bin(),
                                         (c_->dir / "topology.toml").string(), (c_->dir / "secrets").string()));
}

TEST_F(RealHosts, VipMovesWhenTheActiveLbIsKilled) {
  const std::string from = c_->vip_holders().at(0);
  auto f = failover(from, [&] { c_->unit(from, "foobar-lb").main()->signal(SIGKILL); });
  expect_must(f);
  // The lb comes back (systemd's Restart=): nopreempt keeps the VIP where it is.
  c_->unit(from, "foobar-lb").stop();
  c_->unit(from, "foobar-lb").start();
  EXPECT_LE(longest_overlap(3s).count(), 150) << "both lbs held the VIP";
  EXPECT_EQ(c_->vip_holders(), std::vector<std::string>{from == "lb1" ? "lb2" : "lb1"});
}

TEST_F(RealHosts, VipMovesWhenTheActiveKeepalivedIsKilled) {
  const std::string from = c_->vip_holders().at(0);
  // The whole process group: SIGKILL of the parent alone makes its VRRP child
  // stop cleanly (it advertises priority 0 and removes the VIP itself).
  auto f = failover(from, [&] { ::kill(-c_->keepalived[from]->pid(), SIGKILL); });
  expect_must(f);
  EXPECT_TRUE(c_->holds_vip(from)) << "a keepalived killed outright cannot take the VIP off its interface";
  // Started again, it drops the stale VIP at once (BACKUP) and never holds it
  // beside the new master for long.
  c_->keepalived[from]->stop();
  c_->start_keepalived(from);
  EXPECT_TRUE(eventually([&] { return !c_->holds_vip(from); }, 5s, 10ms));
  EXPECT_LE(longest_overlap(3s).count(), 150) << "both lbs held the VIP";
  EXPECT_EQ(c_->vip_holders().size(), 1u);
}

TEST_F(RealHosts, VipMovesWhenTheActiveLbsLinkIsCut) {
  const std::string from = c_->vip_holders().at(0);
  auto f = failover(from, [&] { c_->lan->cut(from); });
  expect_must(f);
  // Cut off, it still believes it is master; back on the LAN, the two settle on
  // one within an advert interval.
  c_->lan->restore(from);
  EXPECT_LE(longest_overlap(3s).count(), 150) << "both lbs held the VIP";
  EXPECT_EQ(c_->vip_holders().size(), 1u);
  EXPECT_EQ(get_via_vip("/").status, 200);
}

}  // namespace foobar::test
