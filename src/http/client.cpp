#include "http/client.hpp"

#include <array>
#include <cstring>
#include <tuple>

#include "core/blocking.hpp"
#include "net/receive.hpp"
#include "net/tls_client_context.hpp"
#include "net/tls_session.hpp"

namespace foobar::http {

ClientConnection::ClientConnection(const asio::any_io_executor& ex)
    : sock_(ex), dog_(ex) {}

// close_notify before the descriptor goes: OpenSSL marks the session of a
// connection dropped without one as not resumable.
ClientConnection::~ClientConnection() {
  if (tls_) tls_->close_notify();
}

asio::awaitable<error_code> ClientConnection::connect(const tcp::endpoint& ep, std::chrono::milliseconds timeout,
                                                      std::shared_ptr<const net::TlsClientContext> tls) {
  dog_.start(sock_, timeout);
  auto [ec] = co_await sock_.async_connect(ep, use_nothrow);
  if (!ec) {
    error_code ignore;
    sock_.set_option(tcp::no_delay(true), ignore);
    sock_.non_blocking(true, ignore);  // for net::write_all and net::async_receive
    net::enable_queue_hints(sock_.native_handle());
  }
  if (!ec && tls) {
    SSL* ssl = tls->new_ssl(ep);
    tls_ = std::make_unique<net::ClientTlsSession>(ssl, sock_, std::move(tls));
    ec = tls_->ok() ? co_await tls_->handshake() : error_code(asio::error::no_memory);
  }
  dog_.pause();
  if (ec && dog_.expired()) ec = asio::error::timed_out;
  co_return ec;
}

asio::awaitable<error_code> ClientConnection::write(std::span<const asio::const_buffer> bufs) {
  error_code ec;
  if (tls_) {
    ec = co_await tls_->write(bufs);
  } else {
    ec = co_await net::write_all(sock_, bufs);
  }
  dog_.touch();
  if (ec && dog_.expired()) ec = asio::error::timed_out;
  co_return ec;
}

asio::awaitable<error_code> ClientConnection::write(std::string_view data) {
  std::array<asio::const_buffer, 1> bufs{asio::buffer(data)};
  auto ec = co_await write(bufs);
  co_return ec;
}

bool ClientConnection::has_input() {
  if (end_ > begin_) return true;
  if (tls_) return tls_->readable_now();
  error_code ec;
  return sock_.available(ec) > 0 || ec;
}

void ClientConnection::compact() noexcept {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
}

asio::awaitable<bool> ClientConnection::read_more() {
  if (!buf_) buf_ = std::make_unique_for_overwrite<char[]>(kBufferSize);
  compact();
  if (end_ == kBufferSize) co_return false;
  error_code ec;
  std::size_t n = 0;
  if (tls_) {
    n = co_await tls_->read_some(buf_.get() + end_, kBufferSize - end_, ec);
  } else {
    std::tie(ec, n) =
        co_await net::async_receive(sock_, asio::buffer(buf_.get() + end_, kBufferSize - end_), use_nothrow);
  }
  if (ec) {
    eof_ = true;
    co_return false;
  }
  dog_.touch();
  end_ += n;
  co_return true;
}

asio::awaitable<ClientConnection::HeadError> ClientConnection::read_response_head(Method method) {
  ResponseParser parser;
  resp_.clear();
  body_done_ = false;
  bool got_any = end_ > begin_;
  for (;;) {
    if (end_ > begin_) {
      auto r = parser.parse(buffered(), method, resp_);
      if (r.status == ParseStatus::Error) co_return HeadError::Invalid;
      if (r.status == ParseStatus::Complete) {
        if (resp_.status == 101) co_return HeadError::Upgrade;
        begin_ += resp_.head_size;
        if (resp_.status >= 200) break;
        parser.reset();  // 1xx: skip it, the final head follows
        resp_.clear();
        continue;
      }
    }
    if (begin_ == 0 && end_ == kBufferSize) co_return HeadError::TooLarge;
    if (!co_await read_more()) {
      if (dog_.expired()) co_return HeadError::Timeout;
      if (end_ == kBufferSize) co_return HeadError::TooLarge;
      co_return got_any ? HeadError::Incomplete : HeadError::Closed;
    }
    got_any = true;
  }
  body_left_ = resp_.body == BodyKind::ContentLength ? resp_.content_length : 0;
  body_done_ = resp_.body == BodyKind::None || (resp_.body == BodyKind::ContentLength && body_left_ == 0);
  if (resp_.body == BodyKind::Chunked) chunked_.reset();
  co_return HeadError::None;
}

int ClientConnection::status_for(HeadError e) noexcept { return e == HeadError::Timeout ? 504 : 502; }

std::string_view ClientConnection::describe(HeadError e) noexcept {
  switch (e) {
    case HeadError::None: return "ok";
    case HeadError::Closed: return "server closed the connection";
    case HeadError::Timeout: return "server did not answer in time";
    case HeadError::Invalid: return "invalid response from server";
    case HeadError::TooLarge: return "response head too large";
    case HeadError::Incomplete: return "incomplete response from server";
    case HeadError::Upgrade: return "protocol upgrade is not supported";
  }
  return "?";
}

std::optional<std::string_view> ClientConnection::take_buffered_body() noexcept {
  if (body_done_) return std::string_view{};
  if (resp_.body != BodyKind::ContentLength || end_ - begin_ < body_left_) return std::nullopt;
  std::string_view body(buf_.get() + begin_, body_left_);
  begin_ += body_left_;
  body_left_ = 0;
  body_done_ = true;
  return body;
}

asio::awaitable<std::string_view> ClientConnection::read_body(error_code& ec) {
  ec = {};
  while (!body_done_) {
    std::string_view avail = buffered();
    switch (resp_.body) {
      case BodyKind::ContentLength:
        if (!avail.empty()) {
          auto n = static_cast<std::size_t>(std::min<std::uint64_t>(avail.size(), body_left_));
          begin_ += n;
          body_left_ -= n;
          body_done_ = body_left_ == 0;
          co_return avail.substr(0, n);
        }
        break;
      case BodyKind::Chunked:
        while (!avail.empty()) {
          auto step = chunked_.step(avail);
          begin_ += step.consumed;
          avail.remove_prefix(step.consumed);
          if (step.status == ChunkedDecoder::Status::Data) co_return step.data;
          if (step.status == ChunkedDecoder::Status::Done) {
            body_done_ = true;
            co_return std::string_view{};
          }
          if (step.status == ChunkedDecoder::Status::Error) {
            ec = asio::error::invalid_argument;
            co_return std::string_view{};
          }
          if (step.consumed == 0) break;  // NeedMore
        }
        break;
      case BodyKind::UntilClose:
        if (!avail.empty()) {
          begin_ = end_;
          co_return avail;
        }
        if (eof_) {
          body_done_ = true;
          co_return std::string_view{};
        }
        break;
      case BodyKind::None:
        body_done_ = true;
        co_return std::string_view{};
    }
    if (!co_await read_more()) {
      if (resp_.body == BodyKind::UntilClose && !dog_.expired()) continue;  // EOF ends this body
      ec = dog_.expired() ? error_code(asio::error::timed_out) : error_code(asio::error::eof);
      co_return std::string_view{};
    }
  }
  co_return std::string_view{};
}

bool ClientConnection::reusable() const noexcept {
  return body_done_ && !eof_ && resp_.keep_alive && resp_.body != BodyKind::UntilClose && begin_ == end_;
}

// ---------------------------------------------------------------- fetch

std::string FetchResult::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

asio::awaitable<FetchResult> fetch(const asio::any_io_executor& ex, const tcp::endpoint& ep, std::string request,
                                   Method method, std::chrono::milliseconds timeout, std::size_t max_body,
                                   std::shared_ptr<const net::TlsClientContext> tls) {
  FetchResult out;
  ClientConnection c(ex);
  auto ec = co_await c.connect(ep, timeout, std::move(tls));
  if (ec) {
    out.error = "connect: " + (ec == asio::error::timed_out ? std::string("timed out") : ec.message());
    co_return out;
  }
  c.watchdog().start(c.socket(), timeout);
  ec = co_await c.write(request);
  if (ec) {
    out.error = "send: " + ec.message();
    co_return out;
  }
  auto head = co_await c.read_response_head(method);
  if (head != ClientConnection::HeadError::None) {
    out.error = std::string(ClientConnection::describe(head));
    co_return out;
  }
  out.status = c.response().status;
  for (const auto& f : c.response().headers.fields) out.headers.emplace_back(f.name, f.value);
  for (;;) {
    auto piece = co_await c.read_body(ec);
    if (ec) {
      out.error = ec == asio::error::timed_out ? "body: timed out" : "body: truncated or malformed";
      break;
    }
    if (piece.empty()) break;
    if (out.body.size() + piece.size() > max_body) {
      out.error = "body: larger than " + std::to_string(max_body) + " bytes";
      break;
    }
    out.body.append(piece);
  }
  c.watchdog().stop();
  co_return out;
}

FetchResult fetch_blocking(const tcp::endpoint& ep, std::string request, Method method,
                           std::chrono::milliseconds timeout, std::size_t max_body) {
  return core::run_blocking([&](const asio::any_io_executor& ex) {
    return fetch(ex, ep, std::move(request), method, timeout, max_body);
  });
}

}  // namespace foobar::http
