#pragma once
#include <span>

#include "core/asio.hpp"

namespace foobar::net {

// A TCP socket bound to its worker's io_context: smaller than one with a
// type-erased executor, and so are the operations pending on it.
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

// Writes all of bufs on a socket set non_blocking(true): what the send buffer
// takes now in one send, with no trip through the reactor and the scheduler
// (a response usually fits), and only the rest when there is room.
template <class Stream>
asio::awaitable<error_code> write_all(Stream& socket, std::span<const asio::const_buffer> bufs);

}  // namespace foobar::net
