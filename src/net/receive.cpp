#include "net/receive.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/detail/reactor.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls_session.hpp"

// The operations here are Asio reactor operations (Asio's detail API, as of
// Boost 1.81): they need its epoll reactor.
#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "net/receive.cpp needs Asio's epoll reactor"
#endif

namespace foobar::net {
namespace {

namespace asio_detail = boost::asio::detail;

// The socket's descriptor and reactor state. basic_socket keeps them in a
// protected member; a pointer to it formed through a derived class may be
// applied to any socket of the base type.
template <class Stream>
struct SocketInternals : Stream {
  static auto& of(Stream& socket) { return (socket.*&SocketInternals::impl_).get_implementation(); }
};

// One recvmsg(2) with the queue hint: the bytes, 0 at end of file, or -1 with
// errno; emptied says nothing (not even a FIN) is left queued after it.
ssize_t receive_once(int fd, void* buf, std::size_t len, int flags, bool& emptied) {
  iovec iov{buf, len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    n = ::recvmsg(fd, &msg, flags);
  } while (n < 0 && errno == EINTR);
  emptied = false;
  if (n <= 0 || (flags & MSG_PEEK)) return n;
  // What is still queued (data, or 1 for a pending FIN); absent without TCP_INQ.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_TCP || c->cmsg_type != TCP_CM_INQ) continue;
    int queued;
    std::memcpy(&queued, CMSG_DATA(c), sizeof queued);
    emptied = queued == 0;
  }
  return n;
}

// ---------------------------------------------------------------- read BIO

struct ReadBio {
  int fd;
  bool emptied = false;  // the last read left nothing queued
};

int read_bio_read(BIO* bio, char* out, int len) {
  auto& self = *static_cast<ReadBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t n = receive_once(self.fd, out, static_cast<std::size_t>(len), 0, self.emptied);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long read_bio_ctrl(BIO* bio, int cmd, long, void* arg) {
  auto& self = *static_cast<ReadBio*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_C_GET_FD:  // SSL_get_fd: the socket
      if (arg) *static_cast<int*>(arg) = self.fd;
      return self.fd;
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      return 0;  // kernel TLS receive among them: decrypted here
  }
}

int read_bio_destroy(BIO* bio) {
  delete static_cast<ReadBio*>(BIO_get_data(bio));
  BIO_set_data(bio, nullptr);
  return 1;
}

const BIO_METHOD* read_bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "foobar read");
    if (!m) return m;
    BIO_meth_set_read(m, read_bio_read);
    BIO_meth_set_ctrl(m, read_bio_ctrl);
    BIO_meth_set_destroy(m, read_bio_destroy);
    return m;
  }();
  return method;
}

}  // namespace

void enable_queue_hints(int fd) noexcept {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_INQ, &on, sizeof on);
}

BIO* new_read_bio(int fd) {
  const BIO_METHOD* method = read_bio_method();
  BIO* bio = method ? BIO_new(method) : nullptr;
  if (!bio) return nullptr;
  BIO_set_data(bio, new ReadBio{fd});
  BIO_set_init(bio, 1);
  return bio;
}

// ---------------------------------------------------------------- receives

DrainAwareReceive::DrainAwareReceive(func_type complete) noexcept
    : reactor_op(error_code(), &DrainAwareReceive::perform, complete) {}

template <class Stream>
void DrainAwareReceive::start(Stream& socket, void* buf, std::size_t len, int flags, SSL* tls, bool handshake) {
  auto& impl = SocketInternals<Stream>::of(socket);
  ec_ = {};
  bytes_transferred_ = 0;
  buf_ = buf;
  len_ = len;
  fd_ = impl.socket_;
  flags_ = flags;
  tls_ = tls;
  handshake_ = handshake;
  if (!reactor_) reactor_ = &asio::use_service<asio_detail::reactor>(socket.get_executor().context());
  auto& reactor = *static_cast<asio_detail::reactor*>(reactor_);
  // Bytes OpenSSL holds are no socket's: the reactor, told the socket is
  // empty, would wait for epoll with them there.
  if (tls && SSL_has_pending(tls) && perform(this) != not_done) {
    reactor.post_immediate_completion(this, false);
    return;
  }
  reactor.start_op(asio_detail::reactor::read_op, impl.socket_,
                                                          impl.reactor_data_, this, false, true);
}

template void DrainAwareReceive::start(Socket&, void*, std::size_t, int, SSL*, bool);
template void DrainAwareReceive::start(tcp::socket&, void*, std::size_t, int, SSL*, bool);

// Called by the reactor: at start (unless the socket is known empty) and when
// epoll reports data. Returns not_done to wait for that.
asio_detail::reactor_op::status DrainAwareReceive::perform(reactor_op* op) {
  auto& self = *static_cast<DrainAwareReceive*>(op);
  if (self.tls_) return self.perform_tls();
  bool emptied = false;
  ssize_t n = receive_once(self.fd_, self.buf_, self.len_, self.flags_, emptied);
  if (n > 0) {
    self.bytes_transferred_ = static_cast<std::size_t>(n);
    return emptied ? done_and_exhausted : done;
  }
  if (n == 0) {
    self.ec_ = asio::error::eof;
    return done_and_exhausted;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
  self.ec_ = error_code(errno, asio::error::get_system_category());
  return done;
}

// The socket is empty only if this very SSL_read's last read said so: bytes
// OpenSSL had buffered may be served with no read at all.
asio_detail::reactor_op::status DrainAwareReceive::perform_tls() {
  auto& bio = *static_cast<ReadBio*>(BIO_get_data(SSL_get_rbio(tls_)));
  bio.emptied = false;
  ERR_clear_error();
  errno = 0;
  std::size_t got = 0;
  const int r = handshake_ ? SSL_do_handshake(tls_) : SSL_read_ex(tls_, buf_, len_, &got);
  if (r == 1) {
    bytes_transferred_ = got;
    return bio.emptied ? done_and_exhausted : done;
  }
  switch (SSL_get_error(tls_, r)) {
    case SSL_ERROR_WANT_READ: return not_done;
    case SSL_ERROR_WANT_WRITE: ec_ = asio::error::would_block; return done;
    default: ec_ = tls_failure(tls_, r); return done;
  }
}

// owner is null when the io_context is destroyed with the read pending: only
// the owner is released then.
void IdleRead::complete(void* owner, Operation* op, const error_code&, std::size_t) {
  auto& self = *static_cast<IdleRead*>(static_cast<DrainAwareReceive*>(op));
  auto kept = std::move(self.owner_);
  if (owner) self.done_(kept, self.ec_, self.bytes_transferred_);
}

}  // namespace foobar::net
