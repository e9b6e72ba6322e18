#include "http/connection.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

#include "http/error_response.hpp"
#include "http/server_metrics.hpp"

namespace foobar::http {
namespace {

constexpr std::size_t kMinBodySpace = 16 * 1024;  // room after a head for reading its body
constexpr std::size_t kMaxSpares = 32;  // buffers and exchanges a worker keeps for reuse: a bounded fixed cost
constexpr std::size_t kLingerBytes = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

}  // namespace

Connection::Connection(std::shared_ptr<Worker> worker, net::Socket socket, const tcp::endpoint& peer, bool tls)
    : worker_(std::move(worker)), socket_(std::move(socket)), peer_(peer), idle_read_(&Connection::woken), tls_port_(tls) {
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // for write_all, sendfile(2) and the idle read
  worker_->connections.push_back(*this);
  if (worker_->metrics) worker_->metrics->connection_opened(worker_->index);
}

Connection::~Connection() {
  begin_ = end_ = 0;
  give_back();
  worker_->connections.erase(worker_->connections.iterator_to(*this));
  if (worker_->metrics) worker_->metrics->connection_closed(worker_->index);
  if (worker_->gate) worker_->gate->closed(peer_);
}

void Connection::start() {
  arm(tls_port_ ? worker_->tls->config().handshake_timeout : worker_->limits.header_timeout);
  sleep();
}

void Connection::wake() {
  asio::co_spawn(worker_->io, [self = shared_from_this()] { return self->serve(); }, asio::detached);
}

void Connection::sweep(Clock::time_point now) {
  if (now >= deadline_) {
    // A TLS client that never finished its handshake (here when it never began
    // one; a handshake under way counts its own failure).
    if (tls_port_ && !tls_ && requests_ == 0) worker_->tls->count_failed_handshake();
    abort();
  }
}

// Ends the connection from outside its coroutine: pending and later operations
// fail, and the coroutine ends. The descriptor stays ours until then (closing
// it here would let the kernel hand its number to another socket while OpenSSL
// still holds it).
void Connection::abort() noexcept {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.cancel(ec);
  deadline_ = Clock::time_point::max();  // swept once
}

// Waits for the next request holding no buffer, exchange or coroutine: only
// the idle read into the connection's 64 early bytes (holding a reference)
// keeps it. A read, not a readiness wait: Asio re-arms epoll (an epoll_ctl)
// for every readiness wait, while a read is registered once; a small request
// then takes a single recv, and none is tried before the request is there.
void Connection::sleep() {
  give_back();
  idle_ = true;
  if (tls_port_ && !tls_)  // before the handshake: is it one?
    idle_read_.start(socket_, early_, 1, MSG_PEEK, shared_from_this());
  else
    idle_read_.start(socket_, early_, sizeof early_, 0, shared_from_this(), tls_ ? tls_->native() : nullptr);
}

void Connection::woken(std::shared_ptr<void>& owner, error_code ec, std::size_t n) {
  // Closed by the client (end of file), aborted, or a TLS failure; would_block:
  // OpenSSL must write before it reads, which the awake connection's read does.
  if (ec && ec != asio::error::would_block) return;
  auto& self = *static_cast<Connection*>(owner.get());
  if (!self.tls_port_ || self.tls_) self.early_len_ = static_cast<std::uint8_t>(n);
  self.wake();
}

void Connection::stop_if_idle() {
  if (idle_) abort();
}

// Takes a read buffer and an exchange from the worker's spares (or new ones).
void Connection::borrow() {
  auto& w = *worker_;
  if (!buf_) {
    if (!w.spare_buffers.empty()) {
      buf_ = std::move(w.spare_buffers.back());
      w.spare_buffers.pop_back();
    } else {
      buf_ = std::make_unique_for_overwrite<char[]>(kReadBuffer);
    }
    cap_ = kReadBuffer;
    begin_ = end_ = body_pos_ = 0;
  }
  if (!ex_) {
    if (!w.spare_exchanges.empty()) {
      ex_ = std::move(w.spare_exchanges.back());
      w.spare_exchanges.pop_back();
    } else {
      ex_ = std::make_unique<Http1Exchange>(w.limits.parser);
    }
  }
}

// Returns the buffer and the exchange while nothing is buffered (between
// requests); a buffer grown past the usual size is freed instead.
void Connection::give_back() {
  auto& w = *worker_;
  if (buf_) {
    if (cap_ == kReadBuffer && w.spare_buffers.size() < kMaxSpares) w.spare_buffers.push_back(std::move(buf_));
    buf_.reset();
    cap_ = begin_ = end_ = body_pos_ = 0;
  }
  if (ex_) {
    ex_->parser_.reset();  // a closing connection may leave a request half parsed
    ex_->req_.clear();
    if (w.spare_exchanges.size() < kMaxSpares) w.spare_exchanges.push_back(std::move(ex_));
    ex_.reset();
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
    std::size_t cap = std::max(cap_ * 2, used + want);
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
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
  std::size_t n = 0;
  if (tls_) {
    error_code ec;
    n = co_await tls_->read_some(buf_.get() + end_, cap_ - end_, ec);
  } else {
    auto [ec, got] = co_await net::async_receive(socket_, asio::buffer(buf_.get() + end_, cap_ - end_), use_nothrow);
    n = ec ? 0 : got;
  }
  end_ += n;
  co_return n;
}

// Reads until a complete head is parsed into the exchange's request. Returns
// Close when the connection should end (closed, timed out, or rejected), Sleep
// when it has been idle long enough to give its buffer back.
asio::awaitable<Connection::Next> Connection::read_head() {
  const auto& limits = worker_->limits;
  auto started = coarse_now();  // when this head's first byte was seen
  for (;;) {
    if (end_ > begin_) {
      ParseResult r = ex_->parser_.parse(buffered(), ex_->req_);
      if (r.status == ParseStatus::Complete) break;
      if (r.status == ParseStatus::Error) {
        co_await reject(r.error_status, r.error_reason);
        co_return Next::Close;
      }
    }
    if (end_ == begin_ && !idle_ && !(tls_ && tls_->has_pending())) {
      // Idle: sleep until the next request (keep-alive timeout; the first one
      // within header_timeout, from the accept or the TLS handshake).
      if (worker_->stopping) co_return Next::Close;
      arm(requests_ == 0 ? limits.header_timeout : limits.keepalive_timeout);
      co_return Next::Sleep;
    }
    if (idle_) {  // woken: the request's first bytes are here
      idle_ = false;
      started = coarse_now();
    }
    borrow();
    ensure_space(2048);
    if (early_len_) {  // what the sleeping read took
      std::memcpy(buf_.get() + end_, early_, early_len_);
      end_ += std::exchange(early_len_, 0);
      continue;
    }
    // The whole head must arrive within header_timeout of its first byte (slowloris).
    if (co_await read_more(limits.header_timeout - (coarse_now() - started)) == 0) co_return Next::Close;
  }
  idle_ = false;
  // Reading the body needs room after the head; growing moves the buffer, so parse again.
  Request& req = ex_->req_;
  std::size_t head_end = begin_ + req.head_size;
  if (req.body != BodyKind::None && cap_ - head_end < kMinBodySpace) {
    ex_->parser_.reset();
    ensure_space(kMinBodySpace + (end_ - head_end));
    ParseResult r = ex_->parser_.parse(buffered(), req);
    if (r.status != ParseStatus::Complete) co_return Next::Close;  // cannot happen: same bytes
  }
  co_return Next::Request;
}

// Sets up body reading for the parsed request; false if it is too large (413 sent by caller).
bool Connection::prepare_body() {
  Http1Exchange& ex = *ex_;
  const Request& req = ex.req_;
  body_pos_ = begin_ + req.head_size;
  ex.body_read_ = 0;
  ex.body_done_ = req.body == BodyKind::None || (req.body == BodyKind::ContentLength && req.content_length == 0);
  ex.body_left_ = req.body == BodyKind::ContentLength ? req.content_length : 0;
  if (req.body == BodyKind::Chunked) ex.chunked_in_.reset();
  const auto max = worker_->limits.max_body_bytes;
  return !(max && req.body == BodyKind::ContentLength && req.content_length > max);
}

// Serves requests until the connection ends, or goes to sleep (the coroutine
// ends; a readiness wait starts it again).
asio::awaitable<void> Connection::serve() {
  auto& w = *worker_;
  try {
    if (tls_port_ && !tls_ && !co_await start_tls()) {
      error_code ec;
      socket_.close(ec);
      co_return;
    }
    for (;;) {
      auto next = co_await read_head();
      if (next == Next::Sleep) {
        sleep();
        co_return;
      }
      if (next == Next::Close) break;
      ++requests_;
      const auto started = Clock::now();
      if (w.metrics) w.metrics->request_started(w.index);
      Http1Exchange& ex = *ex_;
      ex.reset(*this);
      ex.req_.ids.assign(ex.req_.headers);
      ex.close_ = !ex.req_.keep_alive || w.stopping ||
                  (w.limits.max_requests_per_connection && requests_ >= w.limits.max_requests_per_connection);
      if (!prepare_body()) {
        co_await send_error(ex, 413, "request body too large", {.close = true});
      } else {
        auto outcome = co_await w.handler->handle(ex);
        if (outcome == Outcome::Declined) co_await send_error(ex, 404);
        if (!ex.head_sent_) co_await send_error(ex, 500, {}, {.close = true});
        if (ex.chunked_out_ && !ex.ended_) ex.close_ = true;  // a cut body: only closing says so
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      if (w.access_log) w.access_log->log(peer_, ex.req_, ex.status(), ex.bytes_sent_, seconds);
      if (w.metrics) w.metrics->request_done(w.index, ex.status(), seconds, ex.req_.ids.trace_id());
      if (ex.close_) {
        // A client that asked to close and sent nothing more cannot reset our
        // response away: close at once (as nginx does), else linger.
        error_code aec;
        const bool all_read = !ex.req_.keep_alive && ex.body_done_ && body_pos_ == end_ &&
                              !(tls_ && tls_->has_pending()) && socket_.available(aec) == 0 && !aec;
        if (all_read && tls_)
          tls_->close_notify();
        else if (!all_read)
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

// The first bytes on a TLS listener: a handshake record starts a TLS session;
// anything else is plain HTTP sent to the wrong port, answered 400 in clear
// text (as nginx does). False when the connection should close.
asio::awaitable<bool> Connection::start_tls() {
  auto& tls = *worker_->tls;
  constexpr char kHandshakeRecord = 0x16;
  if (early_[0] != kHandshakeRecord) {
    tls.count_failed_handshake();
    borrow();
    co_await reject(400, "This port speaks HTTPS: use an https:// URL.");
    co_return false;
  }
  auto context = tls.context();
  tls_ = std::make_unique<net::TlsSession>(context->new_ssl(), socket_, context);
  if (!tls_->ok()) co_return false;
  if (auto ec = co_await tls_->handshake()) {
    tls.count_failed_handshake();
    spdlog::debug("tls handshake with {} failed: {}", peer_.address().to_string(), ec.message());
    co_return false;
  }
  if (worker_->metrics) worker_->metrics->handshake_done(worker_->index, tls_->resumed());
  idle_ = false;  // awake with nothing read: read_head sleeps until the request comes
  co_return true;
}

// Consumes the finished request (head and body) so the next pipelined one starts at begin_.
void Connection::finish_exchange() {
  begin_ = body_pos_;
  if (begin_ == end_) begin_ = end_ = 0;
  ex_->parser_.reset();
  ex_->req_.clear();
}

// A request we cannot parse gets its status and the connection closes (RFC 9112 sections 2.2, 6.3).
asio::awaitable<void> Connection::reject(int status, std::string_view reason) {
  Http1Exchange& ex = *ex_;
  ++requests_;
  ex.reset(*this);
  if (worker_->metrics) worker_->metrics->request_started(worker_->index);
  co_await send_error(ex, status, reason, {.close = true});
  if (worker_->access_log) worker_->access_log->log(peer_, ex.req_, status, ex.bytes_sent_, 0);
  if (worker_->metrics) worker_->metrics->request_done(worker_->index, status, 0);
  co_await linger_close();
}

// Half-close, then drain what the client still sends (bounded), so our last
// response is not destroyed by a TCP reset from unread data.
asio::awaitable<void> Connection::linger_close() {
  if (!socket_.is_open()) co_return;  // closed by the sweeper: its descriptor may be another's now
  if (tls_) tls_->close_notify();
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::size_t drained = 0;
  arm(kLingerTime);
  while (drained < kLingerBytes) {
    // The read buffer is still ours (borrowed for this request); its bytes are spent.
    auto [rec, n] = co_await socket_.async_read_some(asio::buffer(buf_.get(), cap_), use_nothrow);
    if (rec) break;
    drained += n;
  }
}

}  // namespace foobar::http
