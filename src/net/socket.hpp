#pragma once
#include "core/asio.hpp"

namespace foobar::net {

// A TCP socket bound to its worker's io_context: smaller than one with a
// type-erased executor, and so are the operations pending on it.
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

}  // namespace foobar::net
