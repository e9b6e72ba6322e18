#pragma once
// The slice of Boost.Asio the project uses, under one short namespace alias.
// Asio itself is compiled once, in asio_impl.cpp (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>

namespace foobar {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// Completion token for coroutines that returns (error_code, results...) instead of throwing:
// the request path never uses exceptions.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
}  // namespace foobar
