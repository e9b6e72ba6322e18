#pragma once
// Internal to the server: one accepted client connection and the worker that owns it.
#include <chrono>
#include <list>
#include <memory>

#include "http/access_log.hpp"
#include "http/chunked.hpp"
#include "http/server.hpp"

namespace foobar::http {

using Clock = std::chrono::steady_clock;

// Per-worker state of one Server: listener, handler, live connections.
struct Worker : std::enable_shared_from_this<Worker> {
  Worker(asio::io_context& io, tcp::acceptor acc, const ServerLimits& limits)
      : io(io), acceptor(std::move(acc)), limits(limits), sweeper(io) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  const ServerLimits limits;  // a copy: connections may outlive the Server during a forced stop
  std::unique_ptr<Handler> handler;
  std::unique_ptr<AccessLog::Writer> access_log;
  std::list<Connection*> connections;  // for deadline sweeps and graceful stop
  asio::steady_timer sweeper;
  bool stopping = false;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> sweep_loop();
  void stop();
};

class Connection {
 public:
  Connection(std::shared_ptr<Worker> worker, tcp::socket socket);
  ~Connection();
  asio::awaitable<void> run();

  // Called by the worker's sweeper: close the socket if its deadline passed.
  void expire_if_due(Clock::time_point now);
  // Graceful stop: an idle keep-alive connection closes now, a busy one after its response.
  void stop_if_idle();

 private:
  friend class Exchange;
  asio::awaitable<bool> read_head();
  asio::awaitable<std::size_t> read_more(Clock::duration timeout);
  asio::awaitable<void> reject(int status, std::string_view reason);
  asio::awaitable<void> linger_close();
  bool prepare_body();
  void finish_exchange();
  void ensure_space(std::size_t want);
  std::string_view buffered() const noexcept { return {buf_.get() + begin_, end_ - begin_}; }
  void arm(Clock::duration timeout) { deadline_ = Clock::now() + timeout; }

  std::shared_ptr<Worker> worker_;
  tcp::socket socket_;
  tcp::endpoint peer_, local_;
  std::list<Connection*>::iterator self_;

  // Read buffer: [begin_, end_) holds unconsumed bytes; the current request's
  // head starts at begin_ and its body bytes are consumed from body_pos_.
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, begin_ = 0, end_ = 0, body_pos_ = 0;

  RequestParser parser_;
  ChunkedDecoder chunked_;
  Exchange exchange_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::uint64_t requests_ = 0;
  bool idle_ = true;  // waiting for a request with nothing buffered
};

}  // namespace foobar::http
