#pragma once
// The one HTTP/1.1 client: connect with a timeout, write a request, read the
// final response head (1xx skipped) and its body, decoded, with the response
// parser, over TCP or TLS. The proxy's upstream connections, the health
// checks, `foobar up`'s probes and the test fixtures all use it.
// Single-threaded, like everything on a worker; a Watchdog bounds every wait
// (inactivity, not total time).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "http/chunked.hpp"
#include "http/message.hpp"
#include "http/parser.hpp"
#include "net/watchdog.hpp"

namespace foobar::net {
class TlsClientContext;
template <class Stream>
class BasicTlsSession;
}  // namespace foobar::net

namespace foobar::http {

class ClientConnection {
 public:
  // Read buffer size: a response head must fit.
  static constexpr std::size_t kBufferSize = 16 * 1024;  // as HAProxy's tune.bufsize

  explicit ClientConnection(const asio::any_io_executor& ex);
  ~ClientConnection();

  // Connects within timeout, then with tls (if given) completes a handshake
  // within the same time (the watchdog is paused afterwards); error:
  // timed_out, or why not (a TLS error names the reason, e.g. the certificate).
  asio::awaitable<error_code> connect(const tcp::endpoint& ep, std::chrono::milliseconds timeout,
                                      std::shared_ptr<const net::TlsClientContext> tls = nullptr);

  tcp::socket& socket() noexcept { return sock_; }
  // Bounds the request in progress: start() it per request, pause() when done.
  net::Watchdog& watchdog() noexcept { return dog_; }
  // Whole buffers (a request head, a body piece); touches the watchdog.
  asio::awaitable<error_code> write(std::span<const asio::const_buffer> bufs);
  asio::awaitable<error_code> write(std::string_view data);
  // Bytes the server sent that nobody read yet (an early answer), or an error.
  bool has_input();

  enum class HeadError {
    None,
    Closed,      // the server closed before sending a byte (a request may be resent)
    Timeout,     // the watchdog fired
    Invalid,     // not an HTTP/1.x response head
    TooLarge,    // the head does not fit the buffer
    Incomplete,  // closed in the middle of the head
    Upgrade,     // 101: protocol switches are not relayed
  };
  // Reads the final response to a request made with method; HEAD and 204/304
  // responses have no body. On None, response() is valid until the next request.
  asio::awaitable<HeadError> read_response_head(Method method);
  const Response& response() const noexcept { return resp_; }
  // The status for a client of a proxy, and a short reason, for a head error.
  static int status_for(HeadError e) noexcept;
  static std::string_view describe(HeadError e) noexcept;

  // Next piece of the response body, decoded (a view into the buffer, valid
  // until the next call); empty at its end. ec on a truncated or malformed body,
  // or a timeout.
  asio::awaitable<std::string_view> read_body(error_code& ec);
  // The whole body when it has already arrived (always, for no body), consumed;
  // nullopt when more must be read.
  std::optional<std::string_view> take_buffered_body() noexcept;
  // The connection may carry another request: keep-alive, body read to its end,
  // nothing unread.
  bool reusable() const noexcept;

  bool reused = false;  // came from a pool: the server may have closed it meanwhile

  // An idle pooled connection needs no read buffer (nothing is unread): a pool
  // takes it back and lends it to the next connection that reads. One is
  // allocated on first read when none was lent.
  std::unique_ptr<char[]> release_buffer() noexcept { return std::move(buf_); }
  void lend_buffer(std::unique_ptr<char[]> b) noexcept {
    if (!buf_) buf_ = std::move(b);
  }

 private:
  asio::awaitable<bool> read_more();  // appends to the buffer; false on EOF, error or timeout
  std::string_view buffered() const noexcept { return {buf_.get() + begin_, end_ - begin_}; }
  void compact() noexcept;

  tcp::socket sock_;
  std::unique_ptr<net::BasicTlsSession<tcp::socket>> tls_;  // over sock_, when connected with TLS
  net::Watchdog dog_;
  std::unique_ptr<char[]> buf_;      // kBufferSize bytes, or none while idle in a pool
  std::size_t begin_ = 0, end_ = 0;  // unread bytes are buf_[begin_, end_)
  Response resp_;
  ChunkedDecoder chunked_;
  std::uint64_t body_left_ = 0;      // Content-Length bytes not yet handed out
  bool body_done_ = true;
  bool eof_ = false;                 // the server closed its side
};

// A whole response, for callers that want it in memory (health checks, probes, tests).
struct FetchResult {
  int status = 0;  // 0: no response (see error)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // why there is no (complete) response

  std::string header(std::string_view name) const;  // first value, case-insensitive; "" if absent
};

// Connects to ep (over tls, if given), sends request (raw bytes: a whole
// request), reads the response to method (body up to max_body bytes), all
// within timeout of inactivity.
asio::awaitable<FetchResult> fetch(const asio::any_io_executor& ex, const tcp::endpoint& ep, std::string request,
                                   Method method, std::chrono::milliseconds timeout,
                                   std::size_t max_body = 16 * 1024 * 1024,
                                   std::shared_ptr<const net::TlsClientContext> tls = nullptr);
// The same, blocking, on its own io_context: for start-up code and tests, never a worker.
FetchResult fetch_blocking(const tcp::endpoint& ep, std::string request, Method method,
                           std::chrono::milliseconds timeout, std::size_t max_body = 16 * 1024 * 1024);

}  // namespace foobar::http
