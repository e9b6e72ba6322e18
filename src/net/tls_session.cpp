#include "net/tls_session.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include <openssl/err.h>

#include "net/receive.hpp"

namespace foobar::net {
namespace {

class TlsCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tls"; }
  std::string message(int code) const override {
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(static_cast<unsigned>(code)), buf, sizeof buf);
    return buf;
  }
};

// Where small buffers (a response head and its body) are joined, so they go
// out as one record and one send(2). OpenSSL may read a buffer again when a
// write is retried (kernel TLS keeps a pointer to it), so while one session
// waits to write from the thread's stage, it is that session's alone: the
// others stage into a buffer of their own until it is free again.
constexpr std::size_t kMaxRecord = 16384;
thread_local char t_stage[kMaxRecord];
thread_local const void* t_stage_owner = nullptr;

}  // namespace

const boost::system::error_category& tls_category() noexcept {
  static const TlsCategory category;
  return category;
}

error_code tls_failure(SSL* ssl, int result) {
  const int err = SSL_get_error(ssl, result);
  error_code ec;
  if (err == SSL_ERROR_ZERO_RETURN) {
    ec = asio::error::eof;
  } else if (err == SSL_ERROR_SYSCALL) {
    ec = errno ? error_code(errno, boost::system::system_category()) : error_code(asio::error::eof);
  } else {
    unsigned long e = ERR_peek_last_error();
    ec = e ? error_code(static_cast<int>(e), tls_category()) : error_code(asio::error::connection_aborted);
  }
  ERR_clear_error();
  return ec;
}

template <class Stream>
BasicTlsSession<Stream>::BasicTlsSession(SSL* ssl, Stream& socket, std::shared_ptr<const void> owner)
    : owner_(std::move(owner)), socket_(socket), ssl_(ssl) {
  if (!ssl_) return;
  // Reads through the queue hint (net/receive.hpp), writes through a socket BIO (kernel TLS).
  BIO* rbio = new_read_bio(socket_.native_handle());
  BIO* wbio = BIO_new_socket(socket_.native_handle(), BIO_NOCLOSE);
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  SSL_set_bio(ssl_, rbio, wbio);
}

template <class Stream>
BasicTlsSession<Stream>::~BasicTlsSession() {
  SSL_free(ssl_);
}

template <class Stream>
asio::awaitable<bool> BasicTlsSession<Stream>::wait(int r, error_code& ec) {
  const int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    auto [wec] = co_await socket_.async_wait(
        err == SSL_ERROR_WANT_READ ? Stream::wait_read : Stream::wait_write, use_nothrow);
    ec = wec;
    co_return !wec;
  }
  ec = tls_failure(ssl_, r);
  note_failure();
  co_return false;
}

// Only the peer's close_notify ends a session cleanly (ours may still answer
// it); after anything else OpenSSL forbids sending one.
template <class Stream>
void BasicTlsSession<Stream>::note_failure() noexcept {
  if (!(SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN)) failed_ = true;
}

// Before each call: SSL_get_error reads the thread's error queue and errno,
// so what another call left there must not be taken for this one's failure.
template <class Stream>
void BasicTlsSession<Stream>::clear_errors() noexcept {
  ERR_clear_error();
  errno = 0;
}

template <class Stream>
asio::awaitable<error_code> BasicTlsSession<Stream>::handshake() {
  for (;;) {
    if (!socket_.is_open()) co_return error_code(asio::error::bad_descriptor);
    auto [ec, n] = co_await async_handshake(socket_, ssl_, use_nothrow);
    if (!co_await retry_after_write(ec)) co_return ec;
  }
}

// After an operation through net/receive.hpp failed with ec: true when
// OpenSSL asked to write first and the socket can take it now (try again);
// else a failure the session notes (not a cancellation).
template <class Stream>
asio::awaitable<bool> BasicTlsSession<Stream>::retry_after_write(error_code& ec) {
  if (!ec) co_return false;
  if (ec == asio::error::would_block) {
    auto [wec] = co_await socket_.async_wait(Stream::wait_write, use_nothrow);
    if (!wec) co_return true;
    ec = wec;
  }
  if (ec != asio::error::operation_aborted && ec != asio::error::bad_descriptor) note_failure();
  co_return false;
}

template <class Stream>
asio::awaitable<std::size_t> BasicTlsSession<Stream>::read_some(char* buf, std::size_t size, error_code& ec) {
  for (;;) {
    if (!socket_.is_open()) {
      ec = asio::error::bad_descriptor;
      co_return 0;
    }
    auto [rec, n] = co_await async_receive(socket_, ssl_, asio::buffer(buf, size), use_nothrow);
    if (!rec) co_return n;
    if (!co_await retry_after_write(rec)) {
      ec = rec;
      co_return 0;
    }
  }
}

template <class Stream>
asio::awaitable<error_code> BasicTlsSession<Stream>::write_all(const char* data, std::size_t size) {
  error_code ec;
  while (size > 0) {
    if (!socket_.is_open()) co_return error_code(asio::error::bad_descriptor);
    clear_errors();
    std::size_t written = 0;
    int r = SSL_write_ex(ssl_, data, size, &written);
    if (r == 1) {  // without partial writes: all of it
      data += written;
      size -= written;
      continue;
    }
    if (!co_await wait(r, ec)) co_return ec;
  }
  co_return ec;
}

// Pieces are joined in the stage up to a full record (a head and the start of
// its body share one); a piece that fills records by itself goes out from
// where it is, with no copy.
template <class Stream>
asio::awaitable<error_code> BasicTlsSession<Stream>::write(std::span<const asio::const_buffer> bufs) {
  // The thread's stage, unless another session's write still waits on it.
  std::unique_ptr<char[]> own;
  char* stage = t_stage;
  if (t_stage_owner) {
    own = std::make_unique_for_overwrite<char[]>(kMaxRecord);
    stage = own.get();
  } else {
    t_stage_owner = this;
  }
  struct Release {
    const void* self;
    ~Release() {
      if (t_stage_owner == self) t_stage_owner = nullptr;
    }
  } release{this};
  std::size_t staged = 0;
  for (const auto& b : bufs) {
    const char* data = static_cast<const char*>(b.data());
    std::size_t left = b.size();
    while (left > 0) {
      if (staged == 0 && left >= kMaxRecord) {
        if (auto ec = co_await write_all(data, left)) co_return ec;
        break;
      }
      const std::size_t take = std::min(left, kMaxRecord - staged);
      std::memcpy(stage + staged, data, take);
      staged += take;
      data += take;
      left -= take;
      if (staged == kMaxRecord) {
        if (auto ec = co_await write_all(stage, staged)) co_return ec;
        staged = 0;
      }
    }
  }
  if (staged == 0) co_return error_code{};
  auto ec = co_await write_all(stage, staged);
  co_return ec;
}

template <class Stream>
bool BasicTlsSession<Stream>::kernel_sends() const noexcept { return BIO_get_ktls_send(SSL_get_wbio(ssl_)) == 1; }

template <class Stream>
asio::awaitable<std::size_t> BasicTlsSession<Stream>::sendfile(int fd, std::uint64_t offset, std::size_t len,
                                                               error_code& ec) {
  for (;;) {
    if (!socket_.is_open()) {
      ec = asio::error::bad_descriptor;
      co_return 0;
    }
    clear_errors();
    ossl_ssize_t n = SSL_sendfile(ssl_, fd, static_cast<off_t>(offset), len, 0);
    if (n > 0) co_return static_cast<std::size_t>(n);
    if (!co_await wait(static_cast<int>(n), ec)) co_return 0;
  }
}

template <class Stream>
void BasicTlsSession<Stream>::close_notify() noexcept {
  // Not after a fatal error (OpenSSL forbids it), nor on a descriptor already given back.
  if (ssl_ && !failed_ && socket_.is_open() && SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
}

template <class Stream>
bool BasicTlsSession<Stream>::readable_now() {
  // Not SSL_has_pending: with read-ahead it also counts a record not yet
  // whole (a ticket split across segments), which is no input yet.
  clear_errors();
  char byte;
  std::size_t got = 0;
  const int r = SSL_peek_ex(ssl_, &byte, 1, &got);
  if (r == 1) return true;
  const int err = SSL_get_error(ssl_, r);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
  if (err != SSL_ERROR_ZERO_RETURN) failed_ = true;  // no close_notify after a fatal error
  return true;  // the end of the connection, to be read
}

template class BasicTlsSession<Socket>;
template class BasicTlsSession<tcp::socket>;

}  // namespace foobar::net
