#pragma once
// Polling instead of fixed sleeps: a test waits for a condition, bounded in time.
#include <chrono>
#include <thread>

namespace foobar::test {

// Polls pred every `every` until it holds (true) or timeout passes (false).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(100)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace foobar::test
