#include "net/receive.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/detail/reactor.hpp>

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

}  // namespace

void enable_queue_hints(int fd) noexcept {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_INQ, &on, sizeof on);
}

DrainAwareReceive::DrainAwareReceive(func_type complete) noexcept
    : reactor_op(error_code(), &DrainAwareReceive::perform, complete) {}

template <class Stream>
void DrainAwareReceive::start(Stream& socket, void* buf, std::size_t len, int flags) {
  auto& impl = SocketInternals<Stream>::of(socket);
  ec_ = {};
  bytes_transferred_ = 0;
  buf_ = buf;
  len_ = len;
  fd_ = impl.socket_;
  flags_ = flags;
  if (!reactor_) reactor_ = &asio::use_service<asio_detail::reactor>(socket.get_executor().context());
  static_cast<asio_detail::reactor*>(reactor_)->start_op(asio_detail::reactor::read_op, impl.socket_,
                                                          impl.reactor_data_, this, false, true);
}

template void DrainAwareReceive::start(Socket&, void*, std::size_t, int);
template void DrainAwareReceive::start(tcp::socket&, void*, std::size_t, int);

// Called by the reactor: at start (unless the socket is known empty) and when
// epoll reports data. Returns not_done to wait for that.
asio_detail::reactor_op::status DrainAwareReceive::perform(reactor_op* op) {
  auto& self = *static_cast<DrainAwareReceive*>(op);
  iovec iov{self.buf_, self.len_};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  for (;;) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(self.fd_, &msg, self.flags_);
    if (n > 0) {
      self.bytes_transferred_ = static_cast<std::size_t>(n);
      if (self.flags_ & MSG_PEEK) return done;
      // Still queued after this read (data, or 1 for a pending FIN); absent without TCP_INQ.
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_TCP || c->cmsg_type != TCP_CM_INQ) continue;
        int queued;
        std::memcpy(&queued, CMSG_DATA(c), sizeof queued);
        if (queued == 0) return done_and_exhausted;
      }
      return done;
    }
    if (n == 0) {
      self.ec_ = asio::error::eof;
      return done_and_exhausted;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
    self.ec_ = error_code(errno, asio::error::get_system_category());
    return done;
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
