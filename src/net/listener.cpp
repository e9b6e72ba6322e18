#include "net/listener.hpp"

#include <sys/socket.h>

#include <system_error>

#include "net/address.hpp"
#include "net/receive.hpp"

namespace foobar::net {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::vector<tcp::acceptor> open_listeners(core::Runtime& rt, const tcp::endpoint& endpoint,
                                          int backlog) {
  std::vector<tcp::acceptor> out;
  tcp::endpoint ep = endpoint;
  for (unsigned i = 0; i < rt.size(); ++i) {
    tcp::acceptor acc(rt.context(i));
    error_code ec;
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acc.set_option(reuse_port(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(backlog, ec);
    if (ec) throw std::system_error(ec, "cannot listen on " + Address(ep).str());
    enable_queue_hints(acc.native_handle());
    if (ep.port() == 0) ep = acc.local_endpoint();
    out.push_back(std::move(acc));
  }
  return out;
}

}  // namespace foobar::net
