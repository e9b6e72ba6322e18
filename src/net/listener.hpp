#pragma once
// Per-worker SO_REUSEPORT listeners: the kernel spreads connections across
// workers, and no accept lock is shared between threads.
#include <vector>

#include "core/asio.hpp"
#include "core/runtime.hpp"

namespace foobar::net {

// One listening acceptor per worker on endpoint. Port 0 picks one free port
// that every worker then shares. Throws std::system_error naming the address.
std::vector<tcp::acceptor> open_listeners(core::Runtime& rt, const tcp::endpoint& endpoint,
                                          int backlog = 4096);

}  // namespace foobar::net
