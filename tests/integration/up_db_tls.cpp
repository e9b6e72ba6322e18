// Encryption inside the site: under `foobar up` the app talks to MariaDB, and
// MariaDB replicates, over TLS only. A capture of the loopback (the test's own
// AF_PACKET socket) while a post is written and read back holds the post's
// text in the plain HTTP to the lb (so the capture sees what is in clear) and
// neither the text, nor SQL, nor an account name on any database port; every
// server requires TLS of its TCP clients.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

// TCP payloads on the loopback, by whether a port of interest is an end.
class LoopbackCapture {
 public:
  LoopbackCapture(std::set<int> db_ports, int http_port) : db_ports_(std::move(db_ports)), http_port_(http_port) {
    fd_ = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd_ < 0) return;
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ETH_P_ALL);
    at.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
    timeval tv{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackCapture() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  std::pair<std::string, std::string> taken() {  // {database ports, http port}
    std::lock_guard lock(mu_);
    return {db_, http_};
  }

 private:
  void run() {
    std::string frame(70000, '\0');
    while (!stop_) {
      const auto n = ::recv(fd_, frame.data(), frame.size(), 0);
      if (n < static_cast<ssize_t>(sizeof(ether_header) + sizeof(iphdr))) continue;
      const auto* ip = reinterpret_cast<const iphdr*>(frame.data() + sizeof(ether_header));
      if (ip->version != 4 || ip->protocol != IPPROTO_TCP) continue;
      const std::size_t ip_len = ip->ihl * 4u, total = ntohs(ip->tot_len);
      const std::size_t at = sizeof(ether_header) + ip_len;
      if (at + sizeof(tcphdr) > static_cast<std::size_t>(n)) continue;
      const auto* tcp = reinterpret_cast<const tcphdr*>(frame.data() + at);
      const std::size_t data = at + tcp->doff * 4u, end = sizeof(ether_header) + total;
      if (data >= end || end > static_cast<std::size_t>(n)) continue;
      const int src = ntohs(tcp->source), dst = ntohs(tcp->dest);
      std::lock_guard lock(mu_);
      if (db_ports_.count(src) || db_ports_.count(dst)) db_.append(frame, data, end - data);
      if (src == http_port_ || dst == http_port_) http_.append(frame, data, end - data);
    }
  }
  std::set<int> db_ports_;
  int http_port_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string db_, http_;
};

TEST(UpDbTls, NoSqlOrDataInClearOnTheDatabasePorts) {
  Stack s;
  s.start();
  json st = s.status();
  std::set<int> db_ports;
  for (auto& n : st["nodes"])
    if (n["role"].get<std::string>().starts_with("db-"))
      db_ports.insert(std::stoi(n["address"].get<std::string>().substr(n["address"].get<std::string>().rfind(':') + 1)));
  ASSERT_EQ(db_ports.size(), 3u) << st.dump(2);

  LoopbackCapture capture(db_ports, s.http_port);
  ASSERT_TRUE(capture.ok()) << "no AF_PACKET socket (the test runs as root)";
  const std::string canary = "canary-in-clear-7f3a91";
  const std::string body = "{\"author\":\"tls\",\"body\":\"" + canary + "\"}";
  auto r = http_raw(s.http_port, "POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                 "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = json::parse(r.body)["id"].get<std::uint64_t>();
  EXPECT_TRUE(eventually([&] {
    auto g = http_get(s.http_port, "/api/posts/" + std::to_string(id));  // from a replica: replicated
    return g.status == 200 && g.body.find(canary) != std::string::npos;
  }, 10s, 100ms));
  std::this_thread::sleep_for(500ms);  // the last frames
  const auto [db, http] = capture.taken();

  ASSERT_NE(http.find(canary), std::string::npos) << "the capture misses what travels in clear";
  EXPECT_GT(db.size(), 1000u) << "nothing captured on the database ports";
  for (const std::string& clear : {canary, std::string("INSERT"), std::string("SELECT"), std::string("foobar_app"),
                                  std::string("foobar_repl"), std::string("foobar_monitor")})
    EXPECT_EQ(db.find(clear), std::string::npos) << "'" << clear << "' in clear on a database port";

  // Every server refuses TCP clients without TLS (the Unix socket stays root's way in).
  for (const char* node : {"db-primary", "db-replica1", "db-replica2"}) {
    const auto v = run("mariadb --user=root --socket=" + s.state_dir + "/db/" + node +
                       "/mysqld.sock -N -e 'SELECT @@require_secure_transport'");
    EXPECT_EQ(v, "1\n") << node;
  }
}

}  // namespace
}  // namespace foobar::test::up
