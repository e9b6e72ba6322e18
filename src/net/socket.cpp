#include "net/socket.hpp"

#include <boost/asio/write.hpp>
#include <vector>

namespace foobar::net {

template <class Stream>
asio::awaitable<error_code> write_all(Stream& socket, std::span<const asio::const_buffer> bufs) {
  error_code ec;
  std::size_t sent = socket.write_some(bufs, ec);
  if (ec == asio::error::would_block) ec = {};
  if (ec || sent == asio::buffer_size(bufs)) co_return ec;
  std::vector<asio::const_buffer> rest;
  for (auto b : bufs) {
    if (sent >= b.size()) {
      sent -= b.size();
      continue;
    }
    rest.push_back(b + std::exchange(sent, 0));
  }
  auto [wec, n] = co_await asio::async_write(socket, rest, use_nothrow);
  co_return wec;
}

template asio::awaitable<error_code> write_all(Socket&, std::span<const asio::const_buffer>);
template asio::awaitable<error_code> write_all(tcp::socket&, std::span<const asio::const_buffer>);

}  // namespace foobar::net
