#pragma once
// One TLS connection over a non-blocking socket: OpenSSL reads and writes the
// socket itself (a socket BIO, as nginx does, so kernel TLS can take over the
// records), and we wait for readiness when it asks. The HTTP connection runs
// over it exactly as over a plain socket; so does the HTTP client towards a
// backend (the same session in connect state, on the client's socket type).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <openssl/ssl.h>

#include "net/socket.hpp"

namespace foobar::net {

// Errors from OpenSSL (a failed handshake, a bad record), with its reason as the message.
const boost::system::error_category& tls_category() noexcept;

// What an OpenSSL call's failure (result r, not a wait for readiness) means:
// eof for the peer's close_notify or a close without one, the OS error, or
// OpenSSL's reason. Clears the thread's error queue.
error_code tls_failure(SSL* ssl, int result);

template <class Stream>
class BasicTlsSession {
 public:
  // A session on socket's descriptor with ssl (made by a context, in accept or
  // connect state; freed with the session); owner is kept alive as long (what
  // ssl's callbacks use). Check ok(): false when OpenSSL could not allocate.
  BasicTlsSession(SSL* ssl, Stream& socket, std::shared_ptr<const void> owner = {});
  ~BasicTlsSession();
  BasicTlsSession(const BasicTlsSession&) = delete;
  BasicTlsSession& operator=(const BasicTlsSession&) = delete;
  bool ok() const noexcept { return ssl_ != nullptr; }
  SSL* native() const noexcept { return ssl_; }

  asio::awaitable<error_code> handshake();
  // Decrypted bytes into buf (at least one), or 0 with ec (eof: the peer closed).
  // Through net::async_receive: no read is tried on a socket known empty.
  asio::awaitable<std::size_t> read_some(char* buf, std::size_t size, error_code& ec);
  // All of bufs; small pieces are joined into full records.
  asio::awaitable<error_code> write(std::span<const asio::const_buffer> bufs);
  // Up to len bytes of fd from offset by the kernel's TLS (only when
  // kernel_sends()); the bytes sent, or 0 with ec.
  asio::awaitable<std::size_t> sendfile(int fd, std::uint64_t offset, std::size_t len, error_code& ec);
  // The kernel encrypts what we send (kTLS is loaded and took the cipher).
  bool kernel_sends() const noexcept;
  // The handshake resumed an earlier session (no certificate exchanged).
  bool resumed() const noexcept { return SSL_session_reused(ssl_) == 1; }
  // Decrypted or undecrypted bytes wait inside OpenSSL: read before sleeping on the socket.
  bool has_pending() const noexcept { return SSL_has_pending(ssl_) == 1; }
  // Application data (or the end of the connection) can be read now, without
  // waiting: records that carry none (TLS 1.3 session tickets) are consumed.
  bool readable_now();
  // Sends close_notify if the socket takes it now; never waits.
  void close_notify() noexcept;

 private:
  // After an OpenSSL call returned r: waits for the readiness it asks for, or
  // sets ec and returns false.
  asio::awaitable<bool> wait(int r, error_code& ec);
  asio::awaitable<bool> retry_after_write(error_code& ec);
  void note_failure() noexcept;
  asio::awaitable<error_code> write_all(const char* data, std::size_t size);
  static void clear_errors() noexcept;

  std::shared_ptr<const void> owner_;
  Stream& socket_;
  SSL* ssl_ = nullptr;
  bool failed_ = false;  // a fatal error happened: no close_notify
};

using TlsSession = BasicTlsSession<Socket>;             // a listener's connection
using ClientTlsSession = BasicTlsSession<tcp::socket>;  // towards a backend (http::ClientConnection)

}  // namespace foobar::net
