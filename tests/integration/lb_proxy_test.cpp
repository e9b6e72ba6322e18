// foobar lb: what the proxy engine does to requests and responses: forwarded
// headers, framing normalization, smuggling-shaped requests, 502/503/504,
// retries of never-sent requests, large streamed bodies with flat memory.
#include <future>

#include "lb_fixture.hpp"

using namespace lbtest;
using foobar::test::http_get;
using foobar::test::http_raw;

TEST(LbProxy, ForwardedHeadersAddedAndHopByHopRemoved) {
  Backend a("a");
  Lb lb(Lb::backends({&a}));
  auto r = http_raw(lb.port,
                    "GET /echo HTTP/1.1\r\nHost: www.foobar.com\r\nX-Forwarded-For: 203.0.113.9\r\n"
                    "X-Forwarded-Proto: https\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\n"
                    "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\n"
                    "X-Kept: yes\r\n\r\n");
  ASSERT_EQ(r.status, 200);
  const auto& h = r.body;
  EXPECT_NE(h.find("GET /echo HTTP/1.1\r\n"), std::string::npos) << h;
  EXPECT_NE(h.find("Host: www.foobar.com\r\n"), std::string::npos) << h;
  EXPECT_NE(h.find("X-Forwarded-For: 127.0.0.1\r\n"), std::string::npos) << "an untrusted client's list is dropped\n" << h;
  EXPECT_NE(h.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << h;
  EXPECT_EQ(h.find("https"), std::string::npos) << "client-sent X-Forwarded-Proto must be replaced\n" << h;
  EXPECT_NE(h.find("Forwarded: for=127.0.0.1;proto=http;host=www.foobar.com\r\n"), std::string::npos) << h;
  EXPECT_NE(h.find("X-Kept: yes\r\n"), std::string::npos) << h;
  for (auto gone : {"X-Secret", "Keep-Alive", "TE:", "Upgrade", "Proxy-Connection", "Connection:"})
    EXPECT_EQ(h.find(gone), std::string::npos) << gone << " must not be forwarded\n" << h;
  // Response side: the backend's own hop-by-hop headers do not reach the client.
  EXPECT_EQ(r.header("X-Backend"), "a");
}

TEST(LbProxy, ForwardedHeadersOfATrustedProxyAreKept) {
  Backend a("a");
  Lb lb({"--backend", a.addr(), "--trusted-proxy", "127.0.0.0/8"});
  auto h = http_raw(lb.port,
                    "GET /echo HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\n"
                    "Connection: close\r\n\r\n")
               .body;
  EXPECT_NE(h.find("X-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n"), std::string::npos) << h;
  EXPECT_NE(h.find("Forwarded: for=203.0.113.9\r\n"), std::string::npos) << h;
  Lb edge(Lb::backends({&a}));
  h = http_raw(edge.port, "GET /echo HTTP/1.1\r\nHost: t\r\nForwarded: for=203.0.113.9\r\nConnection: close\r\n\r\n")
          .body;
  EXPECT_EQ(h.find("203.0.113.9"), std::string::npos) << "an untrusted client's Forwarded is dropped\n" << h;
}

TEST(LbProxy, ChunkedRequestIsForwardedWithContentLength) {
  Backend a("a");
  Lb lb(Lb::backends({&a}));
  auto r = http_raw(lb.port,
                    "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Content-Length: 11\r\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("Transfer-Encoding"), std::string::npos) << r.body;
  auto u = http_raw(lb.port,
                    "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(u.body, "received 11");
}

TEST(LbProxy, SmugglingShapedRequestsAreRejectedAndNeverForwarded) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}));
  const std::vector<std::string> attacks = {
      // CL.TE and TE.CL
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
      // two different lengths
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 6\r\n\r\nhello!",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello",
      // transfer codings that are not exactly "chunked"
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 5;\r\n\r\nhello",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 0x10\r\n\r\nhello",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\nhello",
      "GET /smuggle HTTP/1.1\r\n\r\n",
      "GET /smuggle HTTP/1.1\r\nHost: t\r\nX-A b: c\r\n\r\n",
      // bare LF line endings, NUL and CR in fields, two Host headers
      "GET /smuggle HTTP/1.1\nHost: t\n\n",
      "GET /smuggle HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n",
      std::string("GET /smuggle HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n", 41),
      "GET /smuggle HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      // bad chunked bodies
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
      "POST /smuggle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
  };
  for (std::size_t i = 0; i < attacks.size(); ++i) {
    foobar::test::HttpConnection c(lb.port, 3s);
    c.send(attacks[i]);
    auto r = c.read_response();
    EXPECT_TRUE(r.status == 0 || r.status >= 400) << "attack " << i << " got " << r.status;
    EXPECT_NE(r.status, 502) << "attack " << i << " reached the proxy stage";
  }
  // A normal request afterwards still works, and no attack reached a backend.
  EXPECT_EQ(http_get(lb.port, "/after").status, 200);
  EXPECT_EQ(a.count("smuggle") + b.count("smuggle"), 0) << a.proc->output() << b.proc->output();
  EXPECT_EQ(a.count("SMUGGLED") + b.count("SMUGGLED"), 0);
}

TEST(LbProxy, BadOrMissingResponsesGive502) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}));
  EXPECT_EQ(http_get(lb.port, "/garbage").status, 502);
  // An idempotent request whose connection closes before any byte is retried
  // on the other backend, then fails with 502.
  EXPECT_EQ(http_get(lb.port, "/close").status, 502);
  EXPECT_EQ(a.count("GET /close"), 1);
  EXPECT_EQ(b.count("GET /close"), 1);
  // A POST that reached a backend is never sent twice.
  auto r = http_raw(lb.port, "POST /close HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(a.count("POST /close") + b.count("POST /close"), 1);
}

TEST(LbProxy, NoBackendGives503WithRetryAfter) {
  Backend a("a");
  Lb lb(Lb::backends({&a}) + std::vector<std::string>{"--health-interval-ms", "100", "--fall", "1"});
  a.kill();
  auto r = http_get(lb.port, "/");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
  ASSERT_TRUE(lb.wait_state(a, "down"));
  r = http_get(lb.port, "/");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
}

TEST(LbProxy, SlowBackendGives504) {
  Backend a("a");
  Lb lb(Lb::backends({&a}) + std::vector<std::string>{"--server-timeout-ms", "400"});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = http_get(lb.port, "/hang");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 504);
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(a.count("/hang"), 1) << "a timed-out request is not retried";
  EXPECT_EQ(http_get(lb.port, "/slow?ms=100").status, 200);
}

TEST(LbProxy, NeverSentPostIsRetriedOnAnotherBackend) {
  Backend a("a"), b("b");
  Lb lb(Lb::backends({&a, &b}) + std::vector<std::string>{"--health-interval-ms", "60000"});
  a.kill();
  for (int i = 0; i < 6; ++i) {
    auto r = http_raw(lb.port, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, "received 3");
  }
}

namespace {
int connect_lb(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in d{};
  d.sin_family = AF_INET;
  d.sin_port = htons(static_cast<std::uint16_t>(port));
  d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&d), sizeof d) != 0) return -1;
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}
}  // namespace

TEST(LbProxy, LargeUploadAndDownloadStreamWithFlatMemory) {
  Backend a("a");
  Lb lb(Lb::backends({&a}));
  constexpr std::uint64_t size = 200ull * 1024 * 1024;
  {  // upload, Content-Length
    int fd = connect_lb(lb.port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) +
                                 "\r\nConnection: close\r\n\r\n"));
    std::string block(1 << 20, 'u');
    for (std::uint64_t sent = 0; sent < size; sent += block.size()) ASSERT_TRUE(send_all(fd, block));
    std::string resp;
    char tmp[4096];
    ssize_t n;
    while ((n = ::recv(fd, tmp, sizeof tmp, 0)) > 0) resp.append(tmp, static_cast<std::size_t>(n));
    ::close(fd);
    EXPECT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp;
    EXPECT_NE(resp.find("received " + std::to_string(size)), std::string::npos) << resp;
  }
  for (bool chunked : {false, true}) {  // download
    int fd = connect_lb(lb.port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /download?bytes=" + std::to_string(size) + (chunked ? "&chunked=1" : "") +
                                 " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    std::string head;
    std::uint64_t total = 0;
    std::vector<char> buf(1 << 20);
    ssize_t n;
    while ((n = ::recv(fd, buf.data(), buf.size(), 0)) > 0) {
      if (head.size() < 4096) head.append(buf.data(), std::min<std::size_t>(static_cast<std::size_t>(n), 4096));
      total += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos);
    if (chunked) {
      EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head.substr(0, 300);
      EXPECT_GT(total, size);  // body plus chunk framing
    } else {
      EXPECT_NE(head.find("Content-Length: " + std::to_string(size)), std::string::npos) << head.substr(0, 300);
      EXPECT_EQ(total, size + head.find("\r\n\r\n") + 4);
    }
  }
  const long hwm = lb.vm_hwm_kb();
  RecordProperty("lb_vm_hwm_kb", static_cast<int>(hwm));
  EXPECT_GT(hwm, 0);
  EXPECT_LT(hwm, 64 * 1024) << "the lb buffered a body: VmHWM " << hwm << " kB";
}

TEST(LbProxy, MaxconnQueuesThenTimesOutWith503) {
  Backend a("a");
  TempDir dir;
  auto write_config = [&](int queue_ms) {
    std::ofstream f(dir / "lb.toml");
    f << "[lb]\nqueue_timeout_ms = " << queue_ms << "\nbackends = [ { address = \"" << a.addr()
      << "\", maxconn = 1 } ]\n";
  };
  write_config(2000);
  {
    Lb lb({"--config", (dir / "lb.toml").string()});
    auto first = std::async(std::launch::async, [&] { return http_get(lb.port, "/slow?ms=600").status; });
    std::this_thread::sleep_for(150ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(http_get(lb.port, "/").status, 200) << "queued until the slot freed";
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
    EXPECT_EQ(first.get(), 200);
  }
  write_config(200);
  {
    Lb lb({"--config", (dir / "lb.toml").string()});
    auto first = std::async(std::launch::async, [&] { return http_get(lb.port, "/slow?ms=800").status; });
    std::this_thread::sleep_for(150ms);
    auto r = http_get(lb.port, "/");
    EXPECT_EQ(r.status, 503) << "queue timeout";
    EXPECT_EQ(r.header("Retry-After"), "1");
    EXPECT_EQ(first.get(), 200);
  }
}

TEST(LbProxy, ChunkedResponseToHttp10ClientIsDechunked) {
  Backend a("a");
  Lb lb(Lb::backends({&a}));
  foobar::test::HttpConnection c(lb.port);
  ASSERT_TRUE(c.send("GET /download?bytes=300000&chunked=1 HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto raw = c.read_all();
  auto end = raw.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << raw.substr(0, 200);
  const auto head = raw.substr(0, end);
  EXPECT_NE(head.find(" 200 "), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(raw.size() - end - 4, 300000u);
  EXPECT_EQ(raw.find_first_not_of('x', end + 4), std::string::npos);
  // HTTP/1.1 clients get it chunked (passed through).
  auto r = http_get(lb.port, "/download?bytes=300000&chunked=1");
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.body.size(), 300000u);
}

// A server that answers before it has read the request body (413: over foobar
// web's body limit; 405: static files take no POST) gets that answer relayed to
// the client, as if it were asked directly, not a 502.
TEST(LbProxy, EarlyResponseBeforeTheBodyIsRelayed) {
  TempDir root;
  Process web({foobar::test::foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", root.path().string(),
               "--threads", "1", "--max-body-bytes", "1048576", "--access-log", "off"});
  const int web_port = web.wait_port("web");
  Lb lb({"--backend", "127.0.0.1:" + std::to_string(web_port)});
  // POSTs a 50 MB body to port; returns the response (until the server closes).
  auto upload = [](int port, bool chunked) {
    int fd = connect_lb(port);
    if (fd < 0) return std::string("connect failed");
    constexpr std::uint64_t size = 50ull * 1024 * 1024;
    send_all(fd, "POST /upload HTTP/1.1\r\nHost: t\r\n" +
                     (chunked ? std::string("Transfer-Encoding: chunked\r\n")
                              : "Content-Length: " + std::to_string(size) + "\r\n") +
                     "\r\n");
    std::thread sender([fd, chunked] {  // stops when the server closes the connection
      std::string block(1 << 20, 'u');
      if (chunked) block = "100000\r\n" + block + "\r\n";
      for (std::uint64_t sent = 0; sent < size; sent += 1 << 20)
        if (!send_all(fd, block)) break;
    });
    std::string resp;
    char tmp[4096];
    ssize_t n;
    while ((n = ::recv(fd, tmp, sizeof tmp, 0)) > 0) resp.append(tmp, static_cast<std::size_t>(n));
    ::shutdown(fd, SHUT_RDWR);
    sender.join();
    ::close(fd);
    return resp;
  };
  for (auto [chunked, status] : {std::pair{false, "413"}, std::pair{true, "405"}}) {
    const char* framing = chunked ? "chunked" : "content-length";
    auto direct = upload(web_port, chunked);
    ASSERT_EQ(direct.rfind(std::string("HTTP/1.1 ") + status, 0), 0u) << framing << ": " << direct.substr(0, 200);
    auto relayed = upload(lb.port, chunked);
    EXPECT_EQ(relayed.rfind(std::string("HTTP/1.1 ") + status, 0), 0u) << framing << ": " << relayed.substr(0, 300);
    EXPECT_NE(relayed.find("Connection: close"), std::string::npos) << relayed.substr(0, 300);
  }
}
