// The ACME client against Pebble (Debian's, Let's Encrypt's test server) on
// loopback, with pebble-challtestsrv as its DNS (every name is 127.0.0.1) and
// the test's own HTTP-01 responder on the port Pebble validates: a certificate
// is issued and chains to Pebble's root; a wrong key authorization fails with
// Pebble's reason; a server that is down is a clear error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "acme/client.hpp"
#include "net/local_ca.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"

namespace foobar::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// GET /.well-known/acme-challenge/TOKEN answered from a map, one request per
// connection, on 127.0.0.1:port (what Pebble's validation reaches).
class ChallengeResponder {
 public:
  explicit ChallengeResponder(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("responder: cannot listen on " + std::to_string(port));
    thread_ = std::thread([this] { serve(); });
  }
  ~ChallengeResponder() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  void publish(const std::string& token, const std::string& answer) {
    std::lock_guard lock(mu_);
    if (answer.empty()) {
      answers_.erase(token);
    } else {
      answers_[token] = corrupt_ ? answer + "x" : answer;
    }
    ++published_;
  }
  bool corrupt_ = false;  // answer with a wrong key authorization
  std::atomic<int> published_{0};

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[2048];
      for (ssize_t n; req.find("\r\n\r\n") == std::string::npos && (n = ::read(c, buf, sizeof buf)) > 0;)
        req.append(buf, static_cast<std::size_t>(n));
      const std::string prefix = "GET /.well-known/acme-challenge/";
      std::string body, status = "404 Not Found";
      if (req.starts_with(prefix)) {
        const auto token = req.substr(prefix.size(), req.find(' ', prefix.size()) - prefix.size());
        std::lock_guard lock(mu_);
        if (auto it = answers_.find(token); it != answers_.end()) {
          body = it->second;
          status = "200 OK";
        }
      }
      const auto resp = fmt::format("HTTP/1.1 {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                                    status, body.size(), body);
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
};

class Acme : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/usr/bin/pebble") || !fs::exists("/usr/bin/pebble-challtestsrv")) return;
    dir_ = new TempDir();
    // Pebble's own HTTPS certificate, from a CA of the test's.
    const std::vector<std::string> names{"localhost", "127.0.0.1"};
    tls_ = net::ensure_local_certificates(dir_->path() / "tls", names);
    acme_port_ = free_port();
    management_port_ = free_port();
    http_port_ = free_port();
    dns_port_ = free_port();
    // Certificates for 30 s: the lb renews them within the test.
    std::ofstream(dir_->path() / "pebble.json") << fmt::format(
        R"({{"pebble": {{"listenAddress": "127.0.0.1:{}", "managementListenAddress": "127.0.0.1:{}",
            "certificate": "{}", "privateKey": "{}", "httpPort": {}, "tlsPort": {},
            "ocspResponderURL": "", "externalAccountBindingRequired": false, "certificateValidityPeriod": 30}}}})",
        acme_port_, management_port_, tls_.server_cert.string(), tls_.server_key.string(), http_port_, free_port());
    dns_ = new Process({"pebble-challtestsrv", "-dns01", fmt::format("127.0.0.1:{}", dns_port_), "-http01", "",
                        "-https01", "", "-tlsalpn01", "", "-management", fmt::format("127.0.0.1:{}", free_port()),
                        "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""});
    start_pebble();
  }
  static void start_pebble() {
    // No sleeps before validation, no nonces rejected at random: the test is about the protocol.
    pebble_ = new Process({"pebble", "-config", (dir_->path() / "pebble.json").string(), "-dnsserver",
                           fmt::format("127.0.0.1:{}", dns_port_)},
                          {"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0"});
    pebble_->wait_for("ACME directory available", 20s);
  }
  static void TearDownTestSuite() {
    delete pebble_;
    delete dns_;
    delete dir_;
    pebble_ = dns_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!pebble_) GTEST_SKIP() << "pebble is not installed (make deps installs it)";
  }
  static acme::AcmeConfig config(const std::string& domain) {
    acme::AcmeConfig c;
    c.directory = fmt::format("https://localhost:{}/dir", acme_port_);
    c.ca_file = tls_.ca_cert.string();
    c.email = "ops@foobar.test";
    c.domains = {domain, "foobar.test"};
    c.account_key = dir_->path() / "account.pem";
    c.validation_wait = 20s;
    return c;
  }

  static inline TempDir* dir_ = nullptr;
  static inline Process* pebble_ = nullptr;
  static inline Process* dns_ = nullptr;
  static inline net::LocalCertificates tls_;
  static inline int acme_port_ = 0, management_port_ = 0, http_port_ = 0, dns_port_ = 0;
};

TEST_F(Acme, IssuesACertificateThatChainsToTheServersRoot) {
  ChallengeResponder responder(http_port_);
  auto cert = acme::obtain_blocking(config("www.foobar.test"),
                                    [&](const std::string& t, const std::string& a) { responder.publish(t, a); });
  EXPECT_GE(responder.published_.load(), 4) << "two challenges, each published and withdrawn";
  const auto chain = dir_->path() / "chain.pem";
  std::ofstream(chain) << cert.chain_pem;
  std::ofstream(dir_->path() / "key.pem") << cert.key_pem;
  // Pebble's root (a new one each run) from its management interface.
  const auto root = dir_->path() / "root.pem";
  run(fmt::format("curl -sS --cacert {} -o {} https://localhost:{}/roots/0", tls_.ca_cert.string(), root.string(),
                  management_port_));
  const auto verified =
      run(fmt::format("openssl verify -CAfile {} -untrusted {} {} 2>&1", root.string(), chain.string(), chain.string()));
  EXPECT_NE(verified.find(": OK"), std::string::npos) << verified;
  const auto text = run("openssl x509 -noout -ext subjectAltName -in " + chain.string());
  EXPECT_NE(text.find("DNS:www.foobar.test"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:foobar.test"), std::string::npos) << text;
  // The key is the certificate's.
  const auto a = run("openssl x509 -noout -pubkey -in " + chain.string());
  const auto b = run("openssl pkey -pubout -in " + (dir_->path() / "key.pem").string());
  EXPECT_EQ(a, b);
  // The account key stays private, and is reused by the next order.
  EXPECT_EQ(fs::status(dir_->path() / "account.pem").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(Acme, AWrongKeyAuthorizationFailsWithTheServersReason) {
  ChallengeResponder responder(http_port_);
  responder.corrupt_ = true;
  try {
    acme::obtain_blocking(config("bad.foobar.test"),
                          [&](const std::string& t, const std::string& a) { responder.publish(t, a); });
    ADD_FAILURE() << "issued despite a wrong key authorization";
  } catch (const acme::AcmeError& e) {
    const std::string why = e.what();
    EXPECT_NE(why.find("is invalid"), std::string::npos) << why;
    EXPECT_NE(why.find("did not match"), std::string::npos) << why;  // Pebble's reason
  }
}

TEST_F(Acme, AServerThatIsDownIsAClearError) {
  auto c = config("www.foobar.test");
  const int closed = free_port();
  c.directory = fmt::format("https://localhost:{}/dir", closed);
  c.timeout = 2s;
  try {
    acme::obtain_blocking(c, [](const std::string&, const std::string&) {});
    ADD_FAILURE() << "no error";
  } catch (const acme::AcmeError& e) {
    EXPECT_NE(std::string(e.what()).find(c.directory), std::string::npos) << e.what();
  }
}

// The lb with --acme-*: it starts on a placeholder, answers the challenges on
// its plain listener, serves the issued certificate without a restart, renews
// it before it expires, and while the CA is down keeps serving the one it has
// (retrying with backoff) until the CA is back.
TEST_F(Acme, TheLbObtainsRenewsAndKeepsServing) {
  TempDir site;
  std::ofstream(site.path() / "index.html") << "hello over acme\n";
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", site.path().string(), "--threads", "1"});
  const int web_port = web.wait_port("web");
  Process lb({foobar_bin(), "lb", "--listen", fmt::format("127.0.0.1:{}", http_port_), "--listen-tls", "127.0.0.1:0",
              "--backend", fmt::format("127.0.0.1:{}", web_port), "--threads", "1", "--acme-directory",
              fmt::format("https://localhost:{}/dir", acme_port_), "--acme-ca", tls_.ca_cert.string(), "--acme-domain",
              "www.foobar.test", "--acme-dir", (dir_->path() / "lb-acme").string(), "--acme-email", "ops@foobar.test",
              "--acme-retry-ms", "500"});
  const int tls_port = std::stoi(lb.wait_for("lb listening on [^\\s]*:(\\d+) \\(tls\\)"));
  // The certificate the lb serves for the name: "serial=..., issuer=..."; "" when no handshake.
  auto served = [&] {
    return run(fmt::format("openssl s_client -connect 127.0.0.1:{} -servername www.foobar.test < /dev/null 2>/dev/null | "
                           "openssl x509 -noout -serial -issuer 2>/dev/null",
                           tls_port));
  };
  auto root = [&] {
    const auto file = dir_->path() / "lb-root.pem";
    run(fmt::format("curl -sS --cacert {} -o {} https://localhost:{}/roots/0", tls_.ca_cert.string(), file.string(),
                    management_port_));
    return file;
  };
  auto get = [&](const fs::path& ca) {
    return run(fmt::format("curl -sS --max-time 5 --cacert {} --resolve www.foobar.test:{}:127.0.0.1 "
                           "https://www.foobar.test:{}/index.html 2>&1",
                           ca.string(), tls_port, tls_port));
  };
  ASSERT_TRUE(eventually([&] { return served().find("Pebble Intermediate") != std::string::npos; }, 20s, 200ms))
      << served() << lb.output();
  const std::string first = served();
  EXPECT_EQ(get(root()), "hello over acme\n") << "a client trusting the CA's root";
  // No challenge pending: the challenge path answers 404 itself (the backend never sees it).
  EXPECT_EQ(run(fmt::format("curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{}/.well-known/acme-challenge/x",
                            http_port_)),
            "404");
  EXPECT_EQ(fs::status(dir_->path() / "lb-acme" / "cert-key.pem").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // Renewed in place (30 s certificates: due after 20 s), requests served all along.
  int failed = 0, served_ok = 0;
  const auto ca = root();
  const bool renewed = eventually(
      [&] {
        (get(ca) == "hello over acme\n" ? served_ok : failed)++;
        return served() != first && served().find("Pebble Intermediate") != std::string::npos;
      },
      40s, 250ms);
  EXPECT_TRUE(renewed) << lb.output();
  EXPECT_EQ(failed, 0) << served_ok << " served";
  EXPECT_NE(lb.output().find("acme: certificate for www.foobar.test issued"), std::string::npos) << lb.output();

  // The CA down: errors and retries, the certificate in use stays.
  const std::string before = served();
  delete pebble_;
  pebble_ = nullptr;
  EXPECT_TRUE(eventually([&] { return lb.output().find("acme: retrying in") != std::string::npos; }, 40s, 250ms))
      << lb.output();
  EXPECT_EQ(served(), before);
  EXPECT_EQ(get(ca), "hello over acme\n");
  start_pebble();
  EXPECT_TRUE(eventually([&] { return served() != before && served().find("Pebble Intermediate") != std::string::npos; },
                         40s, 250ms))
      << lb.output();
  EXPECT_EQ(lb.wait_exit(0ms), std::nullopt) << "the lb exited";
}

}  // namespace
}  // namespace foobar::test
