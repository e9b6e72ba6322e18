// net::async_receive and net::IdleRead against a real loopback TCP connection
// with queue hints on: what they read, and that neither data nor the end of
// the stream is missed after a receive reported the socket emptied (the
// reactor then skips its first try, so a wrong report would hang a read).
#include "net/receive.hpp"

#include <gtest/gtest.h>
#include <boost/asio/write.hpp>
#include <sys/socket.h>

#include <chrono>
#include <string>

namespace foobar::net {
namespace {

using namespace std::chrono_literals;

struct Pair {
  asio::io_context io;
  Socket server{io};
  tcp::socket client{io};

  Pair() {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    enable_queue_hints(acceptor.native_handle());
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    server.non_blocking(true);
  }
  void send(std::string_view data) { asio::write(client, asio::buffer(data)); }
  // Runs coroutine to its end, or fails after 5 s.
  void run(asio::awaitable<void> coroutine) {
    bool done = false;
    asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e) {
      done = true;
      if (e) std::rethrow_exception(e);
    });
    io.run_for(5s);
    EXPECT_TRUE(done) << "the read never completed";
  }
  asio::awaitable<std::string> receive(std::size_t size) {
    std::string buf(size, '\0');
    auto [ec, n] = co_await async_receive(server, asio::buffer(buf), use_nothrow);
    buf.resize(n);
    if (ec) buf = "error: " + ec.message();
    co_return buf;
  }
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_nothrow);
}

TEST(Receive, ReadsWhatIsThereThenWaitsForMore) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    p.send("hello");
    EXPECT_EQ(co_await p.receive(64), "hello");
    // Sent while the read waits: the reactor must wake it.
    asio::co_spawn(p.io, [&]() -> asio::awaitable<void> {
      co_await pause(20ms);
      p.send("world");
    }, asio::detached);
    EXPECT_EQ(co_await p.receive(64), "world");
  }());
}

TEST(Receive, AFullBufferLeavesTheRestForTheNextRead) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    p.send(std::string(100, 'x'));
    co_await pause(20ms);  // all 100 bytes arrived
    EXPECT_EQ((co_await p.receive(64)).size(), 64u);
    EXPECT_EQ((co_await p.receive(64)).size(), 36u);
  }());
}

TEST(Receive, DataSentAfterAShortReadIsNotMissed) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    p.send("a");
    EXPECT_EQ(co_await p.receive(64), "a");  // short: the socket is empty
    p.send("b");                             // no yield between: its edge is still to come
    EXPECT_EQ(co_await p.receive(64), "b");
    p.send("c");
    co_await pause(20ms);  // the reactor sees the edge with no read waiting
    EXPECT_EQ(co_await p.receive(64), "c");
  }());
}

TEST(Receive, AsiosOwnReadAfterAShortReadIsNotMissed) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    p.send("a");
    EXPECT_EQ(co_await p.receive(64), "a");
    p.send("b");
    co_await pause(20ms);
    char c = 0;
    auto [ec, n] = co_await p.server.async_read_some(asio::buffer(&c, 1), use_nothrow);
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 1u);
    EXPECT_EQ(c, 'b');
  }());
}

// The FIN comes with the data, so its epoll edge is seen before the read that
// takes the data: only the queue hint tells the read not to report the socket empty.
TEST(Receive, EndOfFileRightAfterDataIsNotMissed) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    p.send("x");
    p.client.shutdown(tcp::socket::shutdown_send);
    co_await pause(20ms);
    EXPECT_EQ(co_await p.receive(64), "x");
    EXPECT_EQ(co_await p.receive(64), "error: " + error_code(asio::error::eof).message());
  }());
}

struct Owner {
  std::string got;
  int calls = 0;
};

void record(std::shared_ptr<void>& owner, error_code ec, std::size_t n) {
  auto& o = *static_cast<Owner*>(owner.get());
  ++o.calls;
  o.got = ec ? "error" : std::to_string(n);
}

TEST(IdleRead, PeekLeavesTheBytesForTheNextRead) {
  Pair p;
  IdleRead idle(&record);
  auto owner = std::make_shared<Owner>();
  char byte = 0;
  idle.start(p.server, &byte, 1, MSG_PEEK, owner);
  p.send("GET");
  p.io.run_for(200ms);
  EXPECT_EQ(owner->calls, 1);
  EXPECT_EQ(owner->got, "1");
  EXPECT_EQ(byte, 'G');
  p.io.restart();
  p.run([&]() -> asio::awaitable<void> { EXPECT_EQ(co_await p.receive(64), "GET"); }());
}

TEST(IdleRead, CancelCompletesWithAnError) {
  Pair p;
  IdleRead idle(&record);
  auto owner = std::make_shared<Owner>();
  char buf[64];
  idle.start(p.server, buf, sizeof buf, 0, owner);
  p.io.poll();
  EXPECT_EQ(owner->calls, 0);
  p.server.cancel();
  p.io.run_for(200ms);
  EXPECT_EQ(owner->calls, 1);
  EXPECT_EQ(owner->got, "error");
  EXPECT_EQ(owner.use_count(), 1) << "the read still holds its owner";
}

TEST(IdleRead, ReleasesItsOwnerWhenTheContextEndsWithTheReadPending) {
  IdleRead idle(&record);  // outlives the context, as a connection outlives its operations
  std::weak_ptr<Owner> watched;
  {
    Pair p;
    auto owner = std::make_shared<Owner>();
    watched = owner;
    char buf[64];
    idle.start(p.server, buf, sizeof buf, 0, std::move(owner));
    p.io.poll();
    EXPECT_FALSE(watched.expired());
  }  // the sockets close, then the context ends without running the aborted read
  EXPECT_TRUE(watched.expired());
}

}  // namespace
}  // namespace foobar::net
