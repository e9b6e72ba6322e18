// Exchange: the handler's view of one request/response on a Connection.
#include <sys/sendfile.h>

#include <array>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

#include "http/connection.hpp"
#include "http/date.hpp"

namespace foobar::http {

const tcp::endpoint& Exchange::peer() const noexcept { return conn_.peer_; }
const tcp::endpoint& Exchange::local() const noexcept { return conn_.local_; }
asio::any_io_executor Exchange::executor() const { return conn_.socket_.get_executor(); }

ResponseHead& Exchange::begin(int status) {
  head_.start(status);
  head_.add_trusted("Server", "foobar");
  head_.add_trusted("Date", http_date_now());
  return head_;
}

// Finishes the head and writes it with body. A request body the handler did not
// read is skipped if it is already buffered; otherwise the connection cannot be
// reused and closes after this response (so do all responses during a stop).
asio::awaitable<bool> Exchange::write_head_and(std::string_view body) {
  if (!body_done_) {
    auto& c = conn_;
    std::size_t avail = c.end_ - c.body_pos_;
    if (req_.body == BodyKind::ContentLength && body_left_ <= avail) {
      c.body_pos_ += body_left_;
      body_left_ = 0;
      body_done_ = true;
    } else {
      close_ = true;
    }
  }
  if (conn_.worker_->stopping) close_ = true;
  if (close_)
    head_.add_trusted("Connection", "close");
  else if (req_.version == Version::Http10)
    head_.add_trusted("Connection", "keep-alive");
  head_.finish();
  if (req_.method == Method::Head) body = {};
  head_sent_ = true;
  conn_.arm(conn_.worker_->limits.send_timeout);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head_.data()), asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(conn_.socket_, bufs, use_nothrow);
  bytes_sent_ += body.size();
  if (ec) close_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::send(std::string_view body) { return write_head_and(body); }

asio::awaitable<bool> Exchange::send_head() { return write_head_and({}); }

asio::awaitable<bool> Exchange::write(std::string_view data) {
  if (req_.method == Method::Head || data.empty()) co_return true;
  conn_.arm(conn_.worker_->limits.send_timeout);
  auto [ec, n] = co_await asio::async_write(conn_.socket_, asio::buffer(data), use_nothrow);
  bytes_sent_ += n;
  if (ec) close_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::send_file(int fd, std::uint64_t offset, std::uint64_t len) {
  bool ok = co_await write_head_and({});
  if (ok) ok = co_await write_file(fd, offset, len);
  co_return ok;
}

asio::awaitable<bool> Exchange::write_file(int fd, std::uint64_t offset, std::uint64_t len) {
  if (req_.method == Method::Head) co_return true;
  auto& sock = conn_.socket_;
  off_t off = static_cast<off_t>(offset);
  std::uint64_t left = len;
  while (left > 0) {
    ssize_t n = ::sendfile(sock.native_handle(), fd, &off, std::min<std::uint64_t>(left, 1 << 30));
    if (n > 0) {
      left -= static_cast<std::uint64_t>(n);
      bytes_sent_ += static_cast<std::uint64_t>(n);
      conn_.arm(conn_.worker_->limits.send_timeout);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      auto [ec] = co_await sock.async_wait(tcp::socket::wait_write, use_nothrow);
      if (!ec) continue;
    }
    close_ = true;  // peer gone, or the file shrank under us: the framing is broken
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Exchange::send_error(int status, std::string_view message, bool close) {
  if (head_sent_) {  // too late for a status: the only honest signal left is closing
    close_ = true;
    co_return false;
  }
  if (close) close_ = true;
  std::string body(message.empty() ? reason_phrase(status) : message);
  body += '\n';
  auto& h = begin(status);
  h.add("Content-Type", "text/plain; charset=utf-8");
  h.add("Content-Length", body.size());
  if (status == 503) h.add("Retry-After", "1");
  bool ok = co_await send(body);
  co_return ok;
}

asio::awaitable<std::string_view> Exchange::read_body(error_code& ec) {
  ec = {};
  if (body_done_) co_return std::string_view{};
  auto& c = conn_;
  if (req_.expect_continue && !continue_sent_) {
    continue_sent_ = true;
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    c.arm(c.worker_->limits.send_timeout);
    auto [wec, n] = co_await asio::async_write(c.socket_, asio::buffer(k100), use_nothrow);
    if (wec) {
      ec = wec;
      close_ = true;
      co_return std::string_view{};
    }
  }
  const std::uint64_t max = c.worker_->limits.max_body_bytes;
  const std::size_t head_end = c.begin_ + req_.head_size;
  for (;;) {
    std::string_view avail(c.buf_.get() + c.body_pos_, c.end_ - c.body_pos_);
    if (req_.body == BodyKind::ContentLength && !avail.empty()) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(avail.size(), body_left_));
      c.body_pos_ += n;
      body_left_ -= n;
      body_read_ += n;
      body_done_ = body_left_ == 0;
      co_return avail.substr(0, n);
    }
    if (req_.body == BodyKind::Chunked && !avail.empty()) {
      auto step = c.chunked_.step(avail);
      c.body_pos_ += step.consumed;
      if (step.status == ChunkedDecoder::Status::Data) {
        body_read_ += step.data.size();
        if (max && body_read_ > max) {
          ec = asio::error::message_size;
          co_await send_error(413, "request body too large", true);
          co_return std::string_view{};
        }
        co_return step.data;
      }
      if (step.status == ChunkedDecoder::Status::Done) {
        body_done_ = true;
        co_return std::string_view{};
      }
      if (step.status == ChunkedDecoder::Status::Error) {
        ec = asio::error::invalid_argument;
        co_await send_error(400, "malformed chunked body", true);
        co_return std::string_view{};
      }
      if (step.consumed > 0) continue;  // NeedMore after progress: look again
    }
    // Need more bytes: reuse the space after the head (earlier body bytes were handed out).
    std::size_t keep = c.end_ - c.body_pos_;
    if (keep) std::memmove(c.buf_.get() + head_end, c.buf_.get() + c.body_pos_, keep);
    c.body_pos_ = head_end;
    c.end_ = head_end + keep;
    if (c.end_ == c.cap_ || co_await c.read_more(c.worker_->limits.body_timeout) == 0) {
      ec = asio::error::eof;
      close_ = true;
      co_return std::string_view{};
    }
  }
}

asio::awaitable<bool> Exchange::read_body_all(std::string& out, std::uint64_t limit, error_code& ec) {
  out.clear();
  if (req_.body == BodyKind::ContentLength && req_.content_length > limit) {
    ec = asio::error::message_size;
    co_await send_error(413, "request body too large", true);
    co_return false;
  }
  for (;;) {
    auto piece = co_await read_body(ec);
    if (ec) co_return false;
    if (piece.empty()) co_return true;
    if (out.size() + piece.size() > limit) {
      ec = asio::error::message_size;
      co_await send_error(413, "request body too large", true);
      co_return false;
    }
    out.append(piece);
  }
}

}  // namespace foobar::http
