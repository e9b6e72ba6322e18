#pragma once
// Receives that tell the reactor when they emptied the socket, so that the
// next receive waits for epoll without first trying recv(2).
//
// Asio tries every receive at once, before it waits for epoll (a speculative
// recv). When the peer sends only after our reply (a client between requests,
// a backend until it has answered), that try fails with EAGAIN: a system call
// for nothing. The reactor skips the try when a receive has emptied the socket
// since epoll last reported it, but Asio's own receive reports that only at
// end of file. These report it when the kernel says the receive left nothing
// behind: TCP_INQ's count of what is still queued, which counts a pending FIN
// too (a short read alone cannot tell: it stops before a FIN whose epoll edge
// has already been seen). Anything arriving later raises a new edge (Asio's
// epoll is edge-triggered), and the reactor tries again then. Every later
// receive on the socket benefits, Asio's own included.
//
// Over TLS the same holds with OpenSSL between: the operation's try is an
// SSL_read on a session whose read BIO is new_read_bio()'s, which reads with
// the same hint (OpenSSL wants more bytes: wait for epoll, no epoll_ctl).
//
// The socket must be non_blocking(true) and its io_context run by one thread;
// without enable_queue_hints() the receives work, and never report.
#include <boost/asio/async_result.hpp>
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/recycling_allocator.hpp>
#include <memory>

#include <openssl/types.h>

#include "net/socket.hpp"

namespace foobar::net {

// Turns on TCP_INQ for a listener (its accepted sockets inherit it) or a
// connected socket; best effort: a kernel without it (before Linux 4.18)
// leaves the receives here as Asio's own.
void enable_queue_hints(int fd) noexcept;

// A read BIO for an SSL on fd (a socket BIO's reads, with the queue hint
// for the receives here); the write BIO stays a socket BIO, for kernel TLS.
BIO* new_read_bio(int fd);

// The receive itself; subclasses say what happens when it completes.
class DrainAwareReceive : protected boost::asio::detail::reactor_op {
 protected:
  using Operation = boost::asio::detail::scheduler_operation;
  explicit DrainAwareReceive(func_type complete) noexcept;
  // Up to len bytes into buf; flags as recv(2) (0 or MSG_PEEK: a peek never
  // reports the socket emptied). With tls, decrypted bytes of that session
  // (on a new_read_bio()), or with handshake its handshake instead; errors
  // as tls_failure() maps them, and would_block when OpenSSL must write first.
  template <class Stream>
  void start(Stream& socket, void* buf, std::size_t len, int flags, SSL* tls = nullptr, bool handshake = false);

 private:
  static status perform(reactor_op* op);
  status perform_tls();

  void* reactor_ = nullptr;  // the socket's, looked up once per operation object (under a lock)
  SSL* tls_ = nullptr;
  void* buf_ = nullptr;
  std::size_t len_ = 0;
  int fd_ = -1;
  int flags_ = 0;
  bool handshake_ = false;
};

// The receive of a connection waiting for its next request, with no coroutine
// alive: a callback, and the operation lives inside its owner (no allocation
// per wait).
class IdleRead final : DrainAwareReceive {
 public:
  // Called with the outcome and the owner start() was given, released when
  // this returns (the owner may end then); it may start the read again.
  using Done = void (*)(std::shared_ptr<void>& owner, error_code ec, std::size_t n);

  explicit IdleRead(Done done) noexcept : DrainAwareReceive(&IdleRead::complete), done_(done) {}
  IdleRead(const IdleRead&) = delete;
  IdleRead& operator=(const IdleRead&) = delete;

  // One read at a time; owner is kept alive until done.
  void start(Socket& socket, void* buf, std::size_t len, int flags, std::shared_ptr<void> owner, SSL* tls = nullptr) {
    owner_ = std::move(owner);
    DrainAwareReceive::start(socket, buf, len, flags, tls);
  }

 private:
  static void complete(void* owner, Operation* op, const error_code&, std::size_t);

  Done done_;
  std::shared_ptr<void> owner_;
};

namespace detail {

// Completes as Asio's own receive does: the handler runs on its own executor
// (at once when that is the socket's and this thread runs it), with the
// outstanding work counted there meanwhile.
template <class Handler, class IoExecutor>
class ReceiveOp final : DrainAwareReceive {
 public:
  using Allocator = boost::asio::detail::recycling_allocator<ReceiveOp>;

  template <class Stream>
  static void launch(Stream& socket, SSL* tls, bool handshake, asio::mutable_buffer buf, Handler&& handler) {
    auto* op = Allocator().allocate(1);
    new (op) ReceiveOp(std::move(handler), socket.get_executor());
    op->start(socket, buf.data(), buf.size(), 0, tls, handshake);
  }

 private:
  using Work = boost::asio::detail::handler_work<Handler, IoExecutor>;

  ReceiveOp(Handler&& handler, const IoExecutor& io)
      : DrainAwareReceive(&ReceiveOp::complete), handler_(std::move(handler)), work_(handler_, io) {}

  // owner is null when the io_context is destroyed with the operation pending.
  static void complete(void* owner, Operation* base, const error_code&, std::size_t) {
    auto* op = static_cast<ReceiveOp*>(static_cast<DrainAwareReceive*>(base));
    Work work(std::move(op->work_));
    boost::asio::detail::binder2<Handler, error_code, std::size_t> call(op->handler_, op->ec_, op->bytes_transferred_);
    op->~ReceiveOp();
    Allocator().deallocate(op, 1);
    if (owner) work.complete(call, call.handler_);
  }

  Handler handler_;
  Work work_;
};

template <class Stream, class Token>
auto launch_receive(Stream& socket, SSL* tls, bool handshake, asio::mutable_buffer buf, Token&& token) {
  return asio::async_initiate<Token, void(error_code, std::size_t)>(
      [&socket, tls, handshake, buf](auto handler) {
        using Op = ReceiveOp<std::decay_t<decltype(handler)>, typename Stream::executor_type>;
        Op::launch(socket, tls, handshake, buf, std::move(handler));
      },
      token);
}

}  // namespace detail

// As socket.async_read_some(buf, token); with tls, decrypted bytes of that
// session (see DrainAwareReceive::start).
template <class Stream, class Token>
auto async_receive(Stream& socket, SSL* tls, asio::mutable_buffer buf, Token&& token) {
  return detail::launch_receive(socket, tls, false, buf, std::forward<Token>(token));
}

template <class Stream, class Token>
auto async_receive(Stream& socket, asio::mutable_buffer buf, Token&& token) {
  return detail::launch_receive(socket, nullptr, false, buf, std::forward<Token>(token));
}

// The handshake of tls (SSL_do_handshake, either side), reading as above;
// completes with (error, 0).
template <class Stream, class Token>
auto async_handshake(Stream& socket, SSL* tls, Token&& token) {
  return detail::launch_receive(socket, tls, true, asio::mutable_buffer(), std::forward<Token>(token));
}

}  // namespace foobar::net
