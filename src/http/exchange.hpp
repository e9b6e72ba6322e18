#pragma once
// What a handler sees of one request and its response, whatever the protocol:
// the HTTP/1.1 connection implements it (http1_exchange.hpp), an HTTP/2 stream
// will too (h2o's h2o_req_t, Envoy's codec vs filter split). Framing is the
// protocol's business: a handler either states a Content-Length or streams the
// body and ends it; chunked coding, keep-alive and 100-continue never reach it.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "http/message.hpp"
#include "http/response_head.hpp"

namespace foobar::http {

class Exchange {
 public:
  virtual ~Exchange() = default;

  const Request& request() const noexcept { return req_; }
  virtual const tcp::endpoint& peer() const noexcept = 0;
  virtual tcp::endpoint local() const = 0;
  virtual bool is_tls() const noexcept = 0;
  virtual asio::any_io_executor executor() const = 0;

  // ---- request body, decoded.
  // Next piece of the body, valid until the next call; empty at the end. ec is
  // set on a malformed or too large body (its 4xx already sent), a timeout or a
  // disconnect; the connection then closes.
  virtual asio::awaitable<std::string_view> read_body(error_code& ec) = 0;
  bool body_done() const noexcept { return body_done_; }
  // The whole body into out; false (and 413 sent) beyond limit, false on ec.
  asio::awaitable<bool> read_body_all(std::string& out, std::uint64_t limit, error_code& ec);

  // ---- response.
  // Starts the head with the status line, Date and Server; the handler adds its
  // fields. With a Content-Length the body is that long; without one it is
  // streamed (send_head, write..., end). Nothing of the body goes out for HEAD.
  ResponseHead& begin(int status);
  // The head and the whole body at once (Content-Length added if missing).
  virtual asio::awaitable<bool> send(std::string_view body = {}) = 0;
  // The head alone; the body follows with write() and write_file(), then end().
  virtual asio::awaitable<bool> send_head() = 0;
  virtual asio::awaitable<bool> write(std::string_view data) = 0;
  // len bytes of fd from offset, zero-copy where the transport allows.
  virtual asio::awaitable<bool> write_file(int fd, std::uint64_t offset, std::uint64_t len) = 0;
  // Ends a streamed body, with trailer fields if any. Not needed after a body
  // with Content-Length. A streamed body not ended tells the client it was cut.
  virtual asio::awaitable<bool> end(std::span<const Header> trailers = {}) = 0;
  // send_head() then write_file().
  asio::awaitable<bool> send_file(int fd, std::uint64_t offset, std::uint64_t len);

  // The client's connection is not reused after this response (its body was
  // cut, or the request's body was not read).
  void close_after() noexcept { close_ = true; }
  bool will_close() const noexcept { return close_; }
  bool head_sent() const noexcept { return head_sent_; }
  int status() const noexcept { return head_.status(); }
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }

 protected:
  Request req_;
  ResponseHead head_;
  std::uint64_t bytes_sent_ = 0;
  bool body_done_ = true;
  bool head_sent_ = false;
  bool close_ = false;
};

// Whether a handler answered the request or leaves it to the next one.
enum class Outcome : bool { Declined, Handled };

// A request handler. One instance per worker (so it may keep per-thread state:
// caches, pools), called only on that worker's thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // Handled: a response was sent (or the exchange marked to close, for an
  // unrecoverable error). Declined: nothing was sent; the next handler may try.
  virtual asio::awaitable<Outcome> handle(Exchange& ex) = 0;
};

}  // namespace foobar::http
