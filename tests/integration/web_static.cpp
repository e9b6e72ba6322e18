// foobar web serving static files: real process, real sockets, raw HTTP and curl.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"

using namespace foobar::test;

namespace {

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

class WebStatic : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    outside_ = new TempDir();
    auto root = dir_->path() / "root";
    write_file(root / "index.html", "<h1>home</h1>");
    write_file(root / "style.css", "body{}");
    write_file(root / "docs/index.html", "docs home");
    write_file(root / "nodir/file.txt", "x");
    write_file(root / ".env", "SECRET=1");
    write_file(root / "big.bin", pattern(3 * 1024 * 1024));
    write_file(root / "small.txt", pattern(1000));
    write_file(root / "gz.txt", "plain text");
    write_file(root / "gz.txt.gz", "GZIPPED-BYTES");
    write_file(root / "gz.txt.br", "BROTLI-BYTES");
    write_file(outside_->path() / "secret.txt", "outside the root");
    std::filesystem::create_symlink(outside_->path() / "secret.txt", root / "escape.txt");
    std::filesystem::create_symlink("small.txt", root / "alias.txt");
    ::mkfifo((root / "fifo").c_str(), 0644);
    server_ = new Process({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", root.string(), "--threads", "2",
                           "--access-log", (dir_->path() / "access.log").string()});
    port_ = server_->wait_port("web");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete outside_;
    delete dir_;
  }
  static std::filesystem::path root() { return dir_->path() / "root"; }
  static inline TempDir* dir_ = nullptr;
  static inline TempDir* outside_ = nullptr;
  static inline Process* server_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(WebStatic, ServesAFileWithValidators) {
  auto r = http_get(port_, "/index.html");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("Content-Length"), "13");
  EXPECT_EQ(r.header("Server"), "foobar");
  EXPECT_FALSE(r.header("Date").empty());
  EXPECT_FALSE(r.header("Last-Modified").empty());
  EXPECT_EQ(r.header("ETag").front(), '"');
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_EQ(http_get(port_, "/style.css").header("Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(http_get(port_, "/style.css").header("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(WebStatic, HeadHasHeadersButNoBody) {
  HttpConnection c(port_);
  c.send("HEAD /small.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = c.read_response(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "1000");
  EXPECT_EQ(head.body, "");
  auto next = c.read_response();  // the next response starts right after the head
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "body{}");
}

TEST_F(WebStatic, OtherMethodsAre405WithAllow) {
  auto r = http_raw(port_, "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  EXPECT_EQ(http_raw(port_, "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n").status, 405);
}

TEST_F(WebStatic, DirectoriesServeIndexOrRedirect) {
  EXPECT_EQ(http_get(port_, "/").body, "<h1>home</h1>");
  EXPECT_EQ(http_get(port_, "/docs/").body, "docs home");
  auto r = http_get(port_, "/docs?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/docs/?x=1");
  EXPECT_EQ(http_get(port_, "/nodir/").status, 404);
}

TEST_F(WebStatic, NothingOutsideTheRoot) {
  EXPECT_EQ(http_get(port_, "/missing.html").status, 404);
  EXPECT_EQ(http_get(port_, "/.env").status, 404);
  EXPECT_EQ(http_get(port_, "/../../../../etc/passwd").status, 400);
  EXPECT_EQ(http_get(port_, "/%2e%2e/%2e%2e/etc/passwd").status, 400);
  EXPECT_EQ(http_get(port_, "/docs/..%2f..%2f..%2fetc%2fpasswd").status, 400);
  EXPECT_EQ(http_get(port_, "/index.html%00.txt").status, 400);
  EXPECT_EQ(http_get(port_, "/docs\\..\\..\\etc\\passwd").status, 400);
  auto escape = http_get(port_, "/escape.txt");
  EXPECT_EQ(escape.status, 404);
  EXPECT_EQ(escape.body.find("outside"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/alias.txt").status, 200);  // a symlink inside the root is fine
  EXPECT_EQ(http_get(port_, "/fifo").status, 403);       // not a regular file
}

TEST_F(WebStatic, ConditionalRequests) {
  auto first = http_get(port_, "/small.txt");
  auto etag = first.header("ETag");
  auto r = http_get(port_, "/small.txt", {"If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("ETag"), etag);
  EXPECT_EQ(http_get(port_, "/small.txt", {"If-Modified-Since: " + first.header("Last-Modified")}).status, 304);
  EXPECT_EQ(http_get(port_, "/small.txt", {"If-None-Match: \"other\""}).status, 200);
  EXPECT_EQ(http_get(port_, "/small.txt", {"If-Match: \"other\""}).status, 412);
  EXPECT_EQ(http_get(port_, "/small.txt", {"If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT"}).status, 412);
  EXPECT_EQ(http_get(port_, "/small.txt", {"If-Match: " + etag}).status, 200);
}

TEST_F(WebStatic, RangeRequests) {
  std::string full = pattern(1000);
  auto r = http_get(port_, "/small.txt", {"Range: bytes=10-19"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, full.substr(10, 10));
  EXPECT_EQ(r.header("Content-Range"), "bytes 10-19/1000");
  r = http_get(port_, "/big.bin", {"Range: bytes=-5"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, pattern(3 * 1024 * 1024).substr(3 * 1024 * 1024 - 5));
  r = http_get(port_, "/small.txt", {"Range: bytes=5000-"});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */1000");
  r = http_get(port_, "/small.txt", {"Range: bytes=0-1", "If-Range: \"stale\""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 1000u);

  r = http_get(port_, "/small.txt", {"Range: bytes=0-2,10-12"});
  EXPECT_EQ(r.status, 206);
  auto type = r.header("Content-Type");
  ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << type;
  auto boundary = type.substr(type.find('=') + 1);
  EXPECT_NE(r.body.find("--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-2/1000\r\n\r\n" +
                        full.substr(0, 3) + "\r\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("Content-Range: bytes 10-12/1000\r\n\r\n" + full.substr(10, 3)), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("--" + boundary + "--\r\n"));
  EXPECT_EQ(std::to_string(r.body.size()), r.header("Content-Length"));
}

TEST_F(WebStatic, PrecompressedSiblings) {
  auto gz = http_get(port_, "/gz.txt", {"Accept-Encoding: gzip"});
  EXPECT_EQ(gz.body, "GZIPPED-BYTES");
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(gz.header("Content-Type"), "text/plain; charset=utf-8");
  auto br = http_get(port_, "/gz.txt", {"Accept-Encoding: gzip, deflate, br"});
  EXPECT_EQ(br.body, "BROTLI-BYTES");
  EXPECT_EQ(br.header("Content-Encoding"), "br");
  auto no_br = http_get(port_, "/gz.txt", {"Accept-Encoding: br;q=0, gzip"});
  EXPECT_EQ(no_br.header("Content-Encoding"), "gzip");
  auto plain = http_get(port_, "/gz.txt");
  EXPECT_EQ(plain.body, "plain text");
  EXPECT_EQ(plain.header("Content-Encoding"), "");
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");
  EXPECT_NE(plain.header("ETag"), gz.header("ETag"));
}

TEST_F(WebStatic, LargeFileWithSendfile) {
  auto r = http_get(port_, "/big.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 3u * 1024 * 1024);
  EXPECT_TRUE(r.body == pattern(3 * 1024 * 1024));
  int status = 0;
  auto out = run("curl -s -o /dev/null -w '%{http_code} %{size_download}' http://127.0.0.1:" + std::to_string(port_) +
                     "/big.bin",
                 &status);
  EXPECT_EQ(out, "200 3145728");
}

TEST_F(WebStatic, KeepAliveAndPipelining) {
  HttpConnection c(port_);
  c.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_response().body, "body{}");
  c.send("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_response().body, "<h1>home</h1>");
  EXPECT_EQ(c.read_response().body.size(), 1000u);
  auto last = c.read_response();
  EXPECT_EQ(last.body, "docs home");
  EXPECT_FALSE(last.closed);
}

TEST_F(WebStatic, Http10ClosesUnlessKeepAlive) {
  HttpConnection c(port_);
  c.send("GET /style.css HTTP/1.0\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(c.wait_closed());
  HttpConnection k(port_);
  k.send("GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(k.read_response().header("Connection"), "keep-alive");
  k.send("GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(k.read_response().status, 200);
}

TEST_F(WebStatic, MalformedRequestsGet4xxAndClose) {
  struct Case {
    const char* raw;
    int status;
  };
  for (auto [raw, status] : {
           Case{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\n\r\n", 400},  // no Host
           Case{"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},
           Case{"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
       }) {
    HttpConnection c(port_);
    c.send(raw);
    auto r = c.read_response();
    EXPECT_EQ(r.status, status) << raw;
    EXPECT_TRUE(r.closed) << raw;
    EXPECT_TRUE(c.wait_closed()) << raw;
  }
  HttpConnection line(port_);
  line.send("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(line.read_response().status, 414);
  HttpConnection head(port_);
  head.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'b') + "\r\n\r\n");
  EXPECT_EQ(head.read_response().status, 431);
}

TEST_F(WebStatic, AccessLogInCombinedFormat) {
  http_get(port_, "/style.css", {"User-Agent: tester/1.0", "Referer: http://ref.example/"});
  auto log = dir_->path() / "access.log";
  std::string text;
  for (int i = 0; i < 50 && text.find("tester/1.0") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    std::ifstream in(log);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(text.find("127.0.0.1 - - ["), std::string::npos) << text;
  EXPECT_NE(text.find("\"GET /style.css HTTP/1.1\" 200 6 \"http://ref.example/\" \"tester/1.0\""), std::string::npos)
      << text;
}

// Settings that need a server of their own.
TEST(WebLimits, SlowlorisHeadIsCutOff) {
  TempDir dir;
  write_file(dir.path() / "index.html", "x");
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1",
               "--header-timeout-ms", "400"});
  int port = web.wait_port("web");
  HttpConnection c(port, 3s);
  c.send("GET / HTTP/1.1\r\nHost: x\r\n");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {  // trickle bytes: each arrives in time, the head never completes
    std::this_thread::sleep_for(100ms);
    c.send("X-A: b\r\n");
  }
  EXPECT_TRUE(c.wait_closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(WebLimits, KeepAliveTimeoutAndMaxRequests) {
  TempDir dir;
  write_file(dir.path() / "index.html", "x");
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1",
               "--keepalive-timeout-ms", "300", "--max-requests-per-connection", "2"});
  int port = web.wait_port("web");
  HttpConnection idle(port, 3s);
  idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(idle.read_response().status, 200);
  EXPECT_TRUE(idle.wait_closed());

  HttpConnection c(port);
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(c.read_response().closed);
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = c.read_response();
  EXPECT_EQ(second.header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(WebLimits, MaxConnectionsPerWorker) {
  TempDir dir;
  write_file(dir.path() / "index.html", "x");
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1",
               "--max-connections", "1"});
  int port = web.wait_port("web");
  HttpConnection first(port);
  first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(first.read_response().status, 200);
  HttpConnection second(port, 2s);
  EXPECT_TRUE(second.wait_closed());  // over the limit: closed at accept
  first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(first.read_response().status, 200);  // the first one is unaffected
}

TEST(WebLifecycle, GracefulStopFinishesInFlightResponses) {
  TempDir dir;
  const std::size_t size = 64 * 1024 * 1024;
  write_file(dir.path() / "huge.bin", std::string(size, 'z'));
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1"});
  int port = web.wait_port("web");
  HttpConnection idle(port);
  idle.send("GET /huge.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n");
  EXPECT_EQ(idle.read_response().status, 206);
  HttpConnection busy(port, 10s);
  busy.send("GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(200ms);  // the response is now blocked on our full receive window
  web.signal(SIGTERM);
  EXPECT_TRUE(idle.wait_closed());  // idle keep-alive connections close at once
  auto r = busy.read_response();    // the in-flight one completes
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), size);
  EXPECT_TRUE(busy.wait_closed());  // and then the connection closes
  EXPECT_EQ(web.wait_exit(5s), 0);
}

TEST(WebLifecycle, ConfigFileAndErrors) {
  TempDir dir;
  write_file(dir.path() / "root/a.css", "a");
  write_file(dir.path() / "good.toml",
             "[web]\nroot = \"" + (dir.path() / "root").string() +
                 "\"\nthreads = 1\n\n[[web.cache_control]]\nextension = \".css\"\nvalue = \"max-age=60\"\n");
  Process web({foobar_bin(), "web", "--config", (dir.path() / "good.toml").string(), "--listen", "127.0.0.1:0"});
  int port = web.wait_port("web");  // the flag overrode the file's (default) address
  EXPECT_EQ(http_get(port, "/a.css").header("Cache-Control"), "max-age=60");

  write_file(dir.path() / "bad.toml", "[web]\nroot = \"/tmp\"\nthreads = \"many\"\n");
  int status = 0;
  auto out = run(foobar_bin() + " web --config " + (dir.path() / "bad.toml").string() + " 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("bad.toml:3"), std::string::npos) << out;
  EXPECT_NE(out.find("web.threads"), std::string::npos) << out;

  out = run(foobar_bin() + " web --root /nonexistent-dir 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("nonexistent-dir"), std::string::npos) << out;
}

TEST(WebLifecycle, HelpAndVersion) {
  int status = 0;
  EXPECT_NE(run(foobar_bin() + " --version", &status).find("foobar 0."), std::string::npos);
  EXPECT_EQ(status, 0);
  auto help = run(foobar_bin() + " web --help", &status);
  EXPECT_EQ(status, 0);
  for (const char* flag : {"--listen", "--root", "--threads", "--access-log", "--config", "--max-header-bytes"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  EXPECT_NE(run(foobar_bin() + " --help", &status).find("web"), std::string::npos);
}

}  // namespace
