#pragma once
// Internal to the server: one accepted HTTP/1.1 client connection, its Exchange,
// and the worker that owns them.
//
// Memory: a connection waiting for its next request holds neither a read
// buffer, nor an Exchange (request fields, response head), nor a coroutine
// frame: the buffer and exchange go back to the worker's spares, the coroutine
// ends, and a read into 64 bytes of its own wakes it, holding the request's
// first bytes (nginx frees its header buffer the same way on keep-alive).
#include <time.h>

#include <atomic>
#include <chrono>
#include <boost/intrusive/list.hpp>
#include <memory>
#include <vector>

#include "http/access_log.hpp"
#include "http/chunked.hpp"
#include "http/server.hpp"
#include "net/receive.hpp"
#include "net/socket.hpp"
#include "net/tls_service.hpp"
#include "net/tls_session.hpp"

namespace foobar::http {

using Clock = std::chrono::steady_clock;

// Now, at the clock's tick (a few milliseconds): enough for deadlines, and a
// memory read where Clock::now() reads the (virtual) hardware clock. The same
// clock as Clock (CLOCK_MONOTONIC), so the two compare.
inline Clock::time_point coarse_now() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

class Connection;
class ServerMetrics;
struct Worker;

// Exchange over an HTTP/1.1 connection: body framing, keep-alive, 100-continue.
class Http1Exchange final : public Exchange {
 public:
  explicit Http1Exchange(const ParserLimits& limits) : parser_(limits) {}
  const tcp::endpoint& peer() const noexcept override;
  tcp::endpoint local() const override;
  bool is_tls() const noexcept override;
  asio::any_io_executor executor() const override;
  asio::awaitable<std::string_view> read_body(error_code& ec) override;
  asio::awaitable<bool> send(std::string_view body) override;
  asio::awaitable<bool> send_head() override;
  asio::awaitable<bool> write(std::string_view data) override;
  asio::awaitable<bool> write_file(int fd, std::uint64_t offset, std::uint64_t len) override;
  asio::awaitable<bool> end(std::span<const Header> trailers) override;

 private:
  friend class Connection;
  // Readies for the next request on c.
  void reset(Connection& c) noexcept;
  // Finishes the head (framing, Connection) and writes it with body in one writev.
  asio::awaitable<bool> write_head_and(std::string_view body, bool whole);
  asio::awaitable<bool> write_buffers(std::span<const asio::const_buffer> bufs);
  asio::awaitable<bool> sendfile_plain(int fd, std::uint64_t offset, std::uint64_t len);
  asio::awaitable<bool> write_file_tls(int fd, std::uint64_t offset, std::uint64_t len);
  bool body_allowed() const noexcept;

  Connection* conn_ = nullptr;
  RequestParser parser_;
  ChunkedDecoder chunked_in_;
  std::uint64_t body_left_ = 0;  // ContentLength bytes still to read
  std::uint64_t body_read_ = 0;
  bool continue_sent_ = false;
  bool chunked_out_ = false;     // the response body goes out chunked...
  bool ended_ = false;           // ...and its last chunk was written
};

class Connection : public std::enable_shared_from_this<Connection>, public boost::intrusive::list_base_hook<> {
 public:
  // The read buffer's usual size; a larger head or body window grows it.
  static constexpr std::size_t kReadBuffer = 4096;

  // peer: the client, as accept(2) gave it; tls: accepted on a TLS listener (the handshake comes first).
  Connection(std::shared_ptr<Worker> worker, net::Socket socket, const tcp::endpoint& peer, bool tls);
  ~Connection();
  // Starts serving; the connection keeps itself alive until it closes.
  void start();

  // Called by the worker's sweeper: close the socket if its deadline passed.
  void sweep(Clock::time_point now);
  // Graceful stop: an idle keep-alive connection closes now, a busy one after its response.
  void stop_if_idle();

 private:
  friend class Http1Exchange;
  enum class Next { Request, Close, Sleep };
  asio::awaitable<void> serve();
  void sleep();
  static void woken(std::shared_ptr<void>& owner, error_code ec, std::size_t n);
  void abort() noexcept;
  void wake();
  asio::awaitable<bool> start_tls();
  asio::awaitable<Next> read_head();
  asio::awaitable<std::size_t> read_more(Clock::duration timeout);
  asio::awaitable<void> reject(int status, std::string_view reason);
  asio::awaitable<void> linger_close();
  bool prepare_body();
  void finish_exchange();
  void borrow();
  void give_back();
  void ensure_space(std::size_t want);
  std::string_view buffered() const noexcept { return {buf_.get() + begin_, end_ - begin_}; }
  void arm(Clock::duration timeout) { deadline_ = coarse_now() + timeout; }

  std::shared_ptr<Worker> worker_;
  net::Socket socket_;
  tcp::endpoint peer_;
  net::IdleRead idle_read_;  // asleep: waits for the next request
  std::unique_ptr<net::TlsSession> tls_;  // after the handshake, on a TLS listener

  // Read buffer: [begin_, end_) holds unconsumed bytes; the current request's
  // head starts at begin_ and its body bytes are consumed from body_pos_.
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, begin_ = 0, end_ = 0, body_pos_ = 0;

  std::unique_ptr<Http1Exchange> ex_;  // while a request is in progress
  Clock::time_point deadline_ = Clock::time_point::max();
  std::uint64_t requests_ = 0;
  bool idle_ = false;  // asleep: waiting for a request with nothing buffered
  bool tls_port_ = false;
  // Where the sleeping read lands: the first bytes of the next request, taken
  // by that one read (a small request needs no second), decrypted on a TLS
  // session (its first record read whole, the rest of it left in OpenSSL);
  // before the handshake one byte peeked at.
  static constexpr std::size_t kEarlyBytes = 64;
  std::uint8_t early_len_ = 0;  // bytes of early_ taken and not yet parsed
  char early_[kEarlyBytes];
};

// Per-worker state of one Server: listener, handler, live connections, and the
// spare buffers and exchanges that connections borrow while busy.
struct Worker : std::enable_shared_from_this<Worker> {
  Worker(asio::io_context& io, const ServerLimits& limits) : io(io), limits(limits), sweeper(io) {}

  struct Listener {
    tcp::acceptor acceptor;
    bool tls;
  };

  asio::io_context& io;
  std::vector<Listener> listeners;
  const ServerLimits limits;  // a copy: connections may outlive the Server during a forced stop
  std::shared_ptr<net::TlsService> tls;  // for TLS listeners
  std::string hsts;           // Strict-Transport-Security value on TLS responses; "" for none
  bool maintains_tls = false;  // this worker's sweeper runs the TLS upkeep (one worker does)
  std::unique_ptr<Handler> handler;
  std::unique_ptr<AccessLog::Writer> access_log;
  boost::intrusive::list<Connection> connections;  // for deadline sweeps and graceful stop
  std::vector<std::unique_ptr<char[]>> spare_buffers;          // each kReadBuffer bytes
  std::vector<std::unique_ptr<Http1Exchange>> spare_exchanges;
  asio::steady_timer sweeper;
  unsigned index = 0;                  // the runtime worker this is (its metric cells)
  ServerMetrics* metrics = nullptr;    // the server's series; nullptr for the admin listener
  std::shared_ptr<ConnectionGate> gate;  // per-client admission, if configured
  bool stopping = false;

  asio::awaitable<void> accept_loop(Listener& listener);
  asio::awaitable<void> sweep_loop();
  void stop();
};

}  // namespace foobar::http
