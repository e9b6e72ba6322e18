#include "http/connection.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

#include <boost/asio/write.hpp>

namespace foobar::http {
namespace {

constexpr std::size_t kInitialBuffer = 4096;
constexpr std::size_t kMinBodySpace = 16 * 1024;  // room after a head for reading its body
constexpr std::size_t kLingerBytes = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

}  // namespace

Connection::Connection(std::shared_ptr<Worker> worker, tcp::socket socket)
    : worker_(std::move(worker)),
      socket_(std::move(socket)),
      parser_(worker_->limits.parser),
      exchange_(*this) {
  error_code ec;
  peer_ = socket_.remote_endpoint(ec);
  local_ = socket_.local_endpoint(ec);
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // for sendfile(2) on the raw fd
  self_ = worker_->connections.insert(worker_->connections.end(), this);
}

Connection::~Connection() { worker_->connections.erase(self_); }

void Connection::expire_if_due(Clock::time_point now) {
  if (now >= deadline_) {
    error_code ec;
    socket_.close(ec);  // the pending operation completes with an error; run() ends
  }
}

void Connection::stop_if_idle() {
  if (idle_) {
    error_code ec;
    socket_.close(ec);
  }
}

// Makes room for at least want more bytes after end_, compacting or growing.
// Only called while no views into the buffer are live (before a head is parsed).
void Connection::ensure_space(std::size_t want) {
  if (cap_ - end_ >= want) return;
  std::size_t used = end_ - begin_;
  if (begin_ > 0 && cap_ - used >= want) {
    std::memmove(buf_.get(), buf_.get() + begin_, used);
  } else {
    std::size_t cap = std::max(cap_ ? cap_ * 2 : kInitialBuffer, used + want);
    auto bigger = std::make_unique<char[]>(cap);
    if (used) std::memcpy(bigger.get(), buf_.get() + begin_, used);
    buf_ = std::move(bigger);
    cap_ = cap;
  }
  end_ = used;
  begin_ = 0;
}

// Reads more bytes into [end_, cap_); returns how many, 0 on error, EOF or timeout.
asio::awaitable<std::size_t> Connection::read_more(Clock::duration timeout) {
  arm(timeout);
  auto [ec, n] = co_await socket_.async_read_some(
      asio::buffer(buf_.get() + end_, cap_ - end_), use_nothrow);
  if (ec) co_return 0;
  end_ += n;
  co_return n;
}

// Reads until a complete head is parsed into the exchange's request.
// Returns false when the connection should end (closed, timed out, or rejected).
asio::awaitable<bool> Connection::read_head() {
  const auto& limits = worker_->limits;
  Request& req = exchange_.req_;
  bool first = requests_ == 0;
  auto started = Clock::now();  // when this head's first byte was seen
  for (;;) {
    if (end_ > begin_) {
      ParseResult r = parser_.parse(buffered(), req);
      if (r.status == ParseStatus::Complete) break;
      if (r.status == ParseStatus::Error) {
        co_await reject(r.error_status, r.error_reason);
        co_return false;
      }
    }
    idle_ = end_ == begin_;
    if (idle_ && worker_->stopping) co_return false;
    ensure_space(2048);
    // Idle: wait for a request (keep-alive timeout); otherwise the whole head
    // must arrive within header_timeout of its first byte (slowloris).
    Clock::duration timeout = limits.header_timeout;
    if (idle_ && !first) timeout = limits.keepalive_timeout;
    if (!idle_) timeout -= Clock::now() - started;
    if (co_await read_more(timeout) == 0) co_return false;
    if (idle_) started = Clock::now();
  }
  idle_ = false;
  // Reading the body needs room after the head; growing moves the buffer, so parse again.
  std::size_t head_end = begin_ + req.head_size;
  if (req.body != BodyKind::None && cap_ - head_end < kMinBodySpace) {
    parser_.reset();
    ensure_space(kMinBodySpace + (end_ - head_end));
    ParseResult r = parser_.parse(buffered(), req);
    if (r.status != ParseStatus::Complete) co_return false;  // cannot happen: same bytes
  }
  co_return true;
}

// Sets up body reading for the parsed request; false if it is too large (413 sent by caller).
bool Connection::prepare_body() {
  Request& req = exchange_.req_;
  Exchange& ex = exchange_;
  body_pos_ = begin_ + req.head_size;
  ex.body_read_ = 0;
  ex.body_done_ = req.body == BodyKind::None;
  ex.body_left_ = req.body == BodyKind::ContentLength ? req.content_length : 0;
  if (req.body == BodyKind::ContentLength && req.content_length == 0) ex.body_done_ = true;
  if (req.body == BodyKind::Chunked) chunked_.reset();
  const auto max = worker_->limits.max_body_bytes;
  return !(max && req.body == BodyKind::ContentLength && req.content_length > max);
}

asio::awaitable<void> Connection::run() {
  auto& w = *worker_;
  Exchange& ex = exchange_;
  try {
    for (;;) {
      if (!co_await read_head()) break;
      ++requests_;
      ex.head_sent_ = false;
      ex.bytes_sent_ = 0;
      ex.continue_sent_ = false;
      ex.close_ = !ex.req_.keep_alive || w.stopping ||
                  (w.limits.max_requests_per_connection &&
                   requests_ >= w.limits.max_requests_per_connection);
      if (!prepare_body()) {
        co_await ex.send_error(413, "request body too large", true);
      } else {
        co_await w.handler->handle(ex);
        if (!ex.head_sent_) co_await ex.send_error(500, {}, true);
      }
      if (w.access_log) w.access_log->log(peer_, ex.req_, ex.status(), ex.bytes_sent_);
      if (ex.close_) {
        co_await linger_close();
        break;
      }
      finish_exchange();
    }
  } catch (const std::exception& e) {
    spdlog::error("connection from {}: {}", peer_.address().to_string(), e.what());
  }
  error_code ec;
  socket_.close(ec);
}

// Consumes the finished request (head and body) so the next pipelined one starts at begin_.
void Connection::finish_exchange() {
  begin_ = body_pos_;
  if (begin_ == end_) begin_ = end_ = 0;
  parser_.reset();
  exchange_.req_.clear();
}

// A request we cannot parse gets its status and the connection closes (RFC 9112 sections 2.2, 6.3).
asio::awaitable<void> Connection::reject(int status, std::string_view reason) {
  Exchange& ex = exchange_;
  ++requests_;
  ex.head_sent_ = false;
  ex.bytes_sent_ = 0;
  co_await ex.send_error(status, reason, true);
  if (worker_->access_log) worker_->access_log->log(peer_, ex.req_, status, ex.bytes_sent_);
  co_await linger_close();
}

// Half-close, then drain what the client still sends (bounded), so our last
// response is not destroyed by a TCP reset from unread data.
asio::awaitable<void> Connection::linger_close() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  char sink[4096];
  std::size_t drained = 0;
  arm(kLingerTime);
  while (drained < kLingerBytes) {
    auto [rec, n] = co_await socket_.async_read_some(asio::buffer(sink), use_nothrow);
    if (rec) break;
    drained += n;
  }
}

}  // namespace foobar::http
