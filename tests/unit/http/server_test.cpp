// The HTTP/1.1 server and the one client against each other on loopback: the
// handler chain, streamed bodies framed by the protocol (chunked with trailers
// for HTTP/1.1, until the close for HTTP/1.0), and keep-alive connections that
// sleep between requests without a buffer and wake for the next one.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/write.hpp>

#include "core/runtime.hpp"
#include "http/client.hpp"
#include "http/error_response.hpp"
#include "http/handler_chain.hpp"
#include "http/server.hpp"

namespace foobar::http {
namespace {

using namespace std::chrono_literals;

// Answers GET /stream with a body of unknown length (and a trailer); declines the rest.
class StreamHandler final : public Handler {
 public:
  asio::awaitable<Outcome> handle(Exchange& ex) override {
    if (ex.request().path != "/stream") co_return Outcome::Declined;
    ex.begin(200).add("Content-Type", "text/plain");
    if (!co_await ex.send_head()) co_return Outcome::Handled;
    for (auto piece : {"one ", "two ", "three"})
      if (!co_await ex.write(piece)) co_return Outcome::Handled;
    const Header trailers[] = {{"X-Checksum", "42"}};
    co_await ex.end(trailers);
    co_return Outcome::Handled;
  }
};

// Answers everything under /hello.
class HelloHandler final : public Handler {
 public:
  asio::awaitable<Outcome> handle(Exchange& ex) override {
    if (ex.request().path != "/hello") co_return Outcome::Declined;
    ex.begin(200);
    co_await ex.send("hello\n");
    co_return Outcome::Handled;
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig cfg;
    cfg.listen = net::Address::parse_or_throw("127.0.0.1:0", net::Address::Use::Listen);
    cfg.limits.header_timeout = 400ms;  // the deadline sweep ticks at a quarter: a quick stop
    server_ = std::make_unique<Server>(rt_, cfg, [](unsigned, asio::io_context&) {
      auto chain = std::make_unique<HandlerChain>();
      chain->add(std::make_unique<StreamHandler>());
      chain->add(std::make_unique<PrefixRoute>("/hello", std::make_unique<HelloHandler>()));
      return chain;
    });
    rt_.on_stop([this] { server_->stop(); });
    thread_ = std::thread([this] { rt_.run(2s); });
  }
  void TearDown() override {
    rt_.stop();
    thread_.join();
  }
  FetchResult get(const std::string& request) {
    return fetch_blocking(server_->local_endpoint(), request, Method::Get, 5s);
  }

  core::Runtime rt_{1};
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, ChainTriesHandlersInOrderAndAnswers404WhenAllDecline) {
  auto hello = get("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(hello.status, 200) << hello.error;
  EXPECT_EQ(hello.body, "hello\n");
  EXPECT_EQ(hello.header("Content-Length"), "6");  // send() states the length it was given
  auto none = get("GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, "Not Found\n");
}

TEST_F(ServerTest, StreamedBodyIsChunkedWithTrailersForHttp11) {
  auto r = get("GET /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.body, "one two three");  // decoded by the client
  EXPECT_TRUE(r.error.empty()) << r.error;
}

TEST_F(ServerTest, StreamedBodyEndsWithTheConnectionForHttp10) {
  auto r = get("GET /stream HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("Transfer-Encoding"), "");
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(r.body, "one two three");
}

// Bytes after a "Connection: close" request: closing with them unread would
// make the kernel send a reset, which can destroy the response before the
// client reads it; the server drains them first. Whatever the split between
// the connection's first read and the socket (the request fills exactly the
// 64 bytes the idle connection reads first, or not).
TEST_F(ServerTest, BytesAfterTheLastRequestDoNotResetTheResponse) {
  for (std::string pad : {"", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}) {
    std::string request = "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX: " + pad + "\r\n\r\n";
    if (pad.empty()) request = "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX: 01234567\r\n\r\n";
    if (!pad.empty()) { EXPECT_GT(request.size(), 64u); } else { EXPECT_EQ(request.size(), 64u); }
    asio::io_context io;
    tcp::socket s(io);
    s.connect(server_->local_endpoint());
    const std::string trailing(32 * 1024, 'z');  // within what a lingering close drains
    asio::write(s, asio::buffer(request + trailing));
    std::string got(1 << 16, '\0');
    std::size_t n = 0;
    error_code ec;
    while (!ec && n < got.size()) n += s.read_some(asio::buffer(got.data() + n, got.size() - n), ec);
    got.resize(n);
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_NE(got.find("\r\n\r\nhello\n"), std::string::npos) << got;
  }
}

TEST_F(ServerTest, KeepAliveConnectionSleepsBetweenRequestsAndWakes) {
  asio::io_context io;
  ClientConnection c(io.get_executor());
  std::vector<std::string> bodies;
  auto read_body = [&]() -> asio::awaitable<std::string> {
    std::string body;
    for (;;) {
      error_code ec;
      auto piece = co_await c.read_body(ec);
      if (ec || piece.empty()) break;
      body.append(piece);
    }
    co_return body;
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (co_await c.connect(server_->local_endpoint(), 2s)) co_return;
        for (int i = 0; i < 3; ++i) {
          c.watchdog().start(c.socket(), 2s);
          if (co_await c.write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")) co_return;
          if (co_await c.read_response_head(Method::Get) != ClientConnection::HeadError::None) co_return;
          bodies.push_back(co_await read_body());
          EXPECT_TRUE(c.reusable());
          asio::steady_timer pause(io, 50ms);  // the server connection goes to sleep meanwhile
          co_await pause.async_wait(use_nothrow);
        }
        // Two requests in one write: the second is served from what the first read brought.
        c.watchdog().start(c.socket(), 2s);
        if (co_await c.write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\n\r\n")) co_return;
        for (int i = 0; i < 2; ++i) {
          if (co_await c.read_response_head(Method::Get) != ClientConnection::HeadError::None) co_return;
          bodies.push_back(co_await read_body());
        }
        c.watchdog().stop();
      },
      asio::detached);
  io.run_for(10s);
  EXPECT_EQ(bodies, (std::vector<std::string>{"hello\n", "hello\n", "hello\n", "hello\n", "one two three"}));
}

}  // namespace
}  // namespace foobar::http
