// The protocol-independent parts of an Exchange.
#include "http/exchange.hpp"

#include "http/date.hpp"
#include "http/error_response.hpp"

namespace foobar::http {

ResponseHead& Exchange::begin(int status) {
  head_.start(status);
  head_.add_trusted("Server", "foobar");
  head_.add_trusted("Date", http_date_now());
  return head_;
}

asio::awaitable<bool> Exchange::send_file(int fd, std::uint64_t offset, std::uint64_t len) {
  bool ok = co_await send_head();
  if (ok) ok = co_await write_file(fd, offset, len);
  co_return ok;
}

asio::awaitable<bool> Exchange::read_body_all(std::string& out, std::uint64_t limit, error_code& ec) {
  out.clear();
  if (req_.body == BodyKind::ContentLength && req_.content_length > limit) {
    ec = asio::error::message_size;
    co_await send_error(*this, 413, "request body too large", {.close = true});
    co_return false;
  }
  for (;;) {
    auto piece = co_await read_body(ec);
    if (ec) co_return false;
    if (piece.empty()) co_return true;
    if (out.size() + piece.size() > limit) {
      ec = asio::error::message_size;
      co_await send_error(*this, 413, "request body too large", {.close = true});
      co_return false;
    }
    out.append(piece);
  }
}

}  // namespace foobar::http
