#pragma once
// Runs a coroutine to completion on an io_context of its own, for start-up and
// command-line code (`foobar up`, `foobar status`) that uses the platform's
// asynchronous clients. Never on a worker thread.
#include <optional>
#include <utility>

#include "core/asio.hpp"

namespace foobar::core {

// make(executor) returns the awaitable to run; its result is returned.
template <class Make>
auto run_blocking(Make make) {
  asio::io_context io(1);
  using T = typename decltype(make(io.get_executor()))::value_type;
  std::optional<T> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out = co_await make(io.get_executor()); }, asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace foobar::core
