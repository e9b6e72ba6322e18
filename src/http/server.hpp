#pragma once
// The HTTP/1.1 server connection loop: accepts on every worker's SO_REUSEPORT
// listener, parses requests, hands each to the role's Handler, writes responses,
// keeps connections alive, enforces limits and timeouts, stops gracefully.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/runtime.hpp"
#include "http/message.hpp"
#include "http/parser.hpp"
#include "http/response_head.hpp"

namespace foobar::http {

using namespace std::chrono_literals;

struct ServerLimits {
  ParserLimits parser;                           // 414 / 431
  std::chrono::milliseconds header_timeout = 10s;     // whole head must arrive in time (slowloris)
  std::chrono::milliseconds keepalive_timeout = 75s;  // idle between requests
  std::chrono::milliseconds body_timeout = 60s;       // idle while reading a request body
  std::chrono::milliseconds send_timeout = 60s;       // idle while writing a response
  std::uint64_t max_requests_per_connection = 1000;   // 0 = unlimited
  std::size_t max_connections = 10000;                // per worker; more are closed at accept
  std::uint64_t max_body_bytes = 1024 * 1024;         // 0 = unlimited; larger -> 413
};

struct ServerConfig {
  std::string name = "foobar";  // label in the "listening on" line, e.g. "web", "admin"
  tcp::endpoint listen;         // port 0 -> an ephemeral port shared by every worker
  ServerLimits limits;
  std::string access_log;       // "" or "off": none; "-": stdout; else a file path
};

class Connection;

// One request and its response on a server connection. Handlers receive it by
// reference; it is valid until the handler's coroutine returns.
class Exchange {
 public:
  const Request& request() const noexcept { return req_; }
  const tcp::endpoint& peer() const noexcept;
  const tcp::endpoint& local() const noexcept;
  asio::any_io_executor executor() const;

  // --- request body (de-chunked); "100 Continue" is sent on the first read if asked for.
  // Next piece of the body, valid until the next call; empty at the end.
  // ec is set on a malformed body, timeout or disconnect (the connection then closes).
  asio::awaitable<std::string_view> read_body(error_code& ec);
  // Whole body into out; false (and a 413 sent) if it exceeds limit, false on ec.
  asio::awaitable<bool> read_body_all(std::string& out, std::uint64_t limit, error_code& ec);
  bool body_done() const noexcept { return body_done_; }

  // --- response. begin() starts the head with status line, Date and Server;
  // the handler adds its own headers (Content-Length or Transfer-Encoding) to it.
  ResponseHead& begin(int status);
  // Finishes the head (adding "Connection: close" when this response ends the
  // connection) and writes head + body in one writev; body skipped for HEAD.
  asio::awaitable<bool> send(std::string_view body = {});
  // Head, then len bytes of fd from offset with sendfile (nothing for HEAD).
  asio::awaitable<bool> send_file(int fd, std::uint64_t offset, std::uint64_t len);
  // Streaming: head now, body later with write() / write_file().
  asio::awaitable<bool> send_head();
  asio::awaitable<bool> write(std::string_view data);
  // len bytes of fd from offset, zero-copy with sendfile (nothing for HEAD).
  asio::awaitable<bool> write_file(int fd, std::uint64_t offset, std::uint64_t len);
  // Status + short text body; closes the connection if close is true.
  asio::awaitable<bool> send_error(int status, std::string_view message = {}, bool close = false);
  // Ask for the connection to close after this response.
  void close_after() noexcept { close_ = true; }
  bool will_close() const noexcept { return close_; }
  bool head_sent() const noexcept { return head_sent_; }
  int status() const noexcept { return head_.status(); }
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }

 private:
  friend class Connection;
  explicit Exchange(Connection& c) : conn_(c) {}
  asio::awaitable<bool> write_head_and(std::string_view body);
  Connection& conn_;
  Request req_;
  ResponseHead head_;
  std::uint64_t body_left_ = 0;   // ContentLength bytes still to read
  std::uint64_t body_read_ = 0;
  std::uint64_t bytes_sent_ = 0;
  bool body_done_ = true;
  bool continue_sent_ = false;
  bool head_sent_ = false;
  bool close_ = false;
};

// The role's request handler. One instance per worker (so it may keep
// per-thread state: caches, pools) and called only on that worker's thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // Must send a response (or set close and return, for an unrecoverable error).
  virtual asio::awaitable<void> handle(Exchange& ex) = 0;
};

using HandlerFactory = std::function<std::unique_ptr<Handler>(unsigned worker, asio::io_context& io)>;

class Server {
 public:
  // Opens the listeners now (errors throw, with the address in the message)
  // and prints "<name> listening on HOST:PORT" to stdout.
  Server(core::Runtime& rt, ServerConfig config, HandlerFactory factory);
  ~Server();
  const tcp::endpoint& local_endpoint() const noexcept;
  // Stop accepting; idle connections close; in-flight requests finish with
  // "Connection: close". Safe from any thread.
  void stop();

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace foobar::http
