// Http1Exchange: the handler's Exchange over an HTTP/1.1 connection.
#include <sys/sendfile.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "http/connection.hpp"
#include "http/error_response.hpp"

namespace foobar::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

}  // namespace

const tcp::endpoint& Http1Exchange::peer() const noexcept { return conn_->peer_; }

tcp::endpoint Http1Exchange::local() const {
  error_code ec;
  return conn_->socket_.local_endpoint(ec);
}

bool Http1Exchange::is_tls() const noexcept { return conn_->tls_ != nullptr; }

asio::any_io_executor Http1Exchange::executor() const { return conn_->socket_.get_executor(); }

void Http1Exchange::reset(Connection& c) noexcept {
  conn_ = &c;
  bytes_sent_ = 0;
  head_sent_ = false;
  close_ = false;
  continue_sent_ = false;
  chunked_out_ = false;
  ended_ = false;
}

bool Http1Exchange::body_allowed() const noexcept {
  const int s = head_.status();
  return s >= 200 && s != 204 && s != 304;
}

asio::awaitable<bool> Http1Exchange::write_buffers(std::span<const asio::const_buffer> bufs) {
  conn_->arm(conn_->worker_->limits.send_timeout);
  error_code ec;
  if (conn_->tls_) {
    ec = co_await conn_->tls_->write(bufs);
  } else {
    ec = co_await net::write_all(conn_->socket_, bufs);
  }
  if (ec) close_ = true;
  co_return !ec;
}

// Finishes the head and writes it with body. whole: body is all of it (a
// missing Content-Length is added); else the body streams after the head,
// chunked for HTTP/1.1 and until the close for HTTP/1.0. A request body the
// handler did not read is skipped if it is already buffered; otherwise the
// connection cannot be reused and closes after this response (as all do during a stop).
asio::awaitable<bool> Http1Exchange::write_head_and(std::string_view body, bool whole) {
  auto& c = *conn_;
  if (!body_done_) {
    std::size_t avail = c.end_ - c.body_pos_;
    if (req_.body == BodyKind::ContentLength && body_left_ <= avail) {
      c.body_pos_ += body_left_;
      body_left_ = 0;
      body_done_ = true;
    } else {
      close_ = true;
    }
  }
  if (c.worker_->stopping) close_ = true;
  const bool head_request = req_.method == Method::Head;
  if (!head_.has_length() && body_allowed()) {
    if (whole) {
      if (!head_request) head_.add("Content-Length", body.size());
    } else if (req_.version == Version::Http11) {
      head_.add_trusted("Transfer-Encoding", "chunked");
      chunked_out_ = !head_request;
    } else {
      close_ = true;  // HTTP/1.0 reads an unframed body until the connection ends
    }
  }
  if (c.tls_ && !c.worker_->hsts.empty()) head_.add_trusted("Strict-Transport-Security", c.worker_->hsts);
  if (close_)
    head_.add_trusted("Connection", "close");
  else if (req_.version == Version::Http10)
    head_.add_trusted("Connection", "keep-alive");
  head_.finish();
  if (head_request) body = {};
  head_sent_ = true;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head_.data()), asio::buffer(body)};
  bool ok = co_await write_buffers(bufs);
  if (ok) bytes_sent_ += body.size();
  co_return ok;
}

asio::awaitable<bool> Http1Exchange::send(std::string_view body) { return write_head_and(body, true); }

asio::awaitable<bool> Http1Exchange::send_head() { return write_head_and({}, false); }

asio::awaitable<bool> Http1Exchange::write(std::string_view data) {
  if (req_.method == Method::Head || data.empty()) co_return true;
  char size[kMaxChunkSizeLine];
  std::array<asio::const_buffer, 3> chunk{asio::buffer(chunk_size_line(size, data.size())), asio::buffer(data),
                                          asio::buffer(kCrlf)};
  std::array<asio::const_buffer, 1> plain{asio::buffer(data)};
  bool ok = false;
  if (chunked_out_)
    ok = co_await write_buffers(chunk);
  else
    ok = co_await write_buffers(plain);
  if (ok) bytes_sent_ += data.size();
  co_return ok;
}

asio::awaitable<bool> Http1Exchange::write_file(int fd, std::uint64_t offset, std::uint64_t len) {
  if (req_.method == Method::Head || len == 0) co_return true;
  if (chunked_out_) {
    char size[kMaxChunkSizeLine];
    std::array<asio::const_buffer, 1> header{asio::buffer(chunk_size_line(size, len))};
    if (!co_await write_buffers(header)) co_return false;
  }
  bool ok = conn_->tls_ ? co_await write_file_tls(fd, offset, len) : co_await sendfile_plain(fd, offset, len);
  if (ok && chunked_out_) {
    std::array<asio::const_buffer, 1> crlf{asio::buffer(kCrlf)};
    ok = co_await write_buffers(crlf);
  }
  co_return ok;
}

// sendfile(2): the kernel copies the file to the socket.
asio::awaitable<bool> Http1Exchange::sendfile_plain(int fd, std::uint64_t offset, std::uint64_t len) {
  auto& sock = conn_->socket_;
  off_t off = static_cast<off_t>(offset);
  std::uint64_t left = len;
  while (left > 0) {
    ssize_t n = ::sendfile(sock.native_handle(), fd, &off, std::min<std::uint64_t>(left, 1 << 30));
    if (n > 0) {
      left -= static_cast<std::uint64_t>(n);
      bytes_sent_ += static_cast<std::uint64_t>(n);
      conn_->arm(conn_->worker_->limits.send_timeout);
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

// With kernel TLS, SSL_sendfile (zero-copy still); otherwise read and encrypt
// a record's worth at a time.
asio::awaitable<bool> Http1Exchange::write_file_tls(int fd, std::uint64_t offset, std::uint64_t len) {
  auto& tls = *conn_->tls_;
  const bool kernel = tls.kernel_sends();
  constexpr std::size_t kPiece = 16384;
  std::unique_ptr<char[]> piece;
  std::uint64_t left = len;
  while (left > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kernel ? 1 << 30 : kPiece));
    std::size_t n = 0;
    if (kernel) {
      error_code ec;
      n = co_await tls.sendfile(fd, offset, want, ec);
    } else {
      if (!piece) piece = std::make_unique_for_overwrite<char[]>(kPiece);
      ssize_t got = ::pread(fd, piece.get(), want, static_cast<off_t>(offset));
      if (got > 0) {
        std::array<asio::const_buffer, 1> buf{asio::buffer(piece.get(), static_cast<std::size_t>(got))};
        if (co_await write_buffers(buf)) n = static_cast<std::size_t>(got);
      } else if (got < 0 && errno == EINTR) {
        continue;
      }
    }
    if (n == 0) {
      close_ = true;  // peer gone, or the file shrank under us: the framing is broken
      co_return false;
    }
    offset += n;
    left -= n;
    bytes_sent_ += n;
    conn_->arm(conn_->worker_->limits.send_timeout);
  }
  co_return true;
}

asio::awaitable<bool> Http1Exchange::end(std::span<const Header> trailers) {
  if (!chunked_out_ || ended_) co_return true;
  ended_ = true;
  std::string last = "0\r\n";
  for (const auto& t : trailers) {
    // A field that could split the message is dropped, not sent.
    auto unsafe = [](std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; };
    if (t.name.empty() || unsafe(t.name) || unsafe(t.value)) continue;
    last.append(t.name).append(": ").append(t.value).append("\r\n");
  }
  last += "\r\n";
  std::array<asio::const_buffer, 1> bufs{asio::buffer(last)};
  bool ok = co_await write_buffers(bufs);
  co_return ok;
}

asio::awaitable<std::string_view> Http1Exchange::read_body(error_code& ec) {
  ec = {};
  if (body_done_) co_return std::string_view{};
  auto& c = *conn_;
  if (req_.expect_continue && !continue_sent_) {
    continue_sent_ = true;
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    std::array<asio::const_buffer, 1> bufs{asio::buffer(k100)};
    if (!co_await write_buffers(bufs)) {
      ec = asio::error::broken_pipe;
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
      auto step = chunked_in_.step(avail);
      c.body_pos_ += step.consumed;
      if (step.status == ChunkedDecoder::Status::Data) {
        body_read_ += step.data.size();
        if (max && body_read_ > max) {
          ec = asio::error::message_size;
          co_await send_error(*this, 413, "request body too large", {.close = true});
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
        co_await send_error(*this, 400, "malformed chunked body", {.close = true});
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

}  // namespace foobar::http
