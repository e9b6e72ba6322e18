#pragma once
// An inactivity timeout for one socket: armed once per request, touched after
// every successful operation (a clock read, no timer syscall), it cancels the
// socket's pending operations when nothing happened for `timeout`.
#include <chrono>
#include <memory>

#include "core/asio.hpp"

namespace foobar::net {

class Watchdog {
 public:
  explicit Watchdog(const asio::any_io_executor& ex) : st_(std::make_shared<State>(ex)) {}
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts watching sock (which must outlive stop() or the destructor). A wait
  // still pending from an earlier request is reused when it ends no earlier
  // than needed, so a keep-alive connection arms its timer about once per timeout.
  void start(tcp::socket& sock, std::chrono::milliseconds timeout) {
    st_->sock = &sock;
    st_->timeout = timeout;
    st_->last = std::chrono::steady_clock::now();
    st_->expired = false;
    if (!st_->armed || st_->timer.expiry() > st_->last + timeout) arm(st_);
  }
  // Stops watching but leaves a pending wait in place for the next start().
  void pause() noexcept { st_->sock = nullptr; }
  // Changes the timeout and restarts the idle clock.
  void reset(std::chrono::milliseconds timeout) {
    st_->timeout = timeout;
    touch();
  }
  void touch() noexcept { st_->last = std::chrono::steady_clock::now(); }
  // Stops watching and cancels the timer (so the io_context has no work left).
  void stop() noexcept {
    st_->sock = nullptr;
    if (st_->armed) st_->timer.cancel();
    st_->armed = false;
  }
  // True once the timeout fired (the failed operation was a timeout).
  bool expired() const noexcept { return st_->expired; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    tcp::socket* sock = nullptr;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point last;
    bool expired = false;
    bool armed = false;  // an async_wait is pending
  };
  static void arm(const std::shared_ptr<State>& st) {
    st->timer.expires_at(st->last + st->timeout);  // cancels a pending wait (it sees operation_aborted)
    st->armed = true;
    st->timer.async_wait([st](error_code ec) {
      if (ec == asio::error::operation_aborted) return;  // replaced or stopped; armed is the newer wait's
      st->armed = false;
      if (ec || !st->sock) return;
      if (std::chrono::steady_clock::now() - st->last >= st->timeout) {
        st->expired = true;
        st->sock->cancel(ec);
      } else {
        arm(st);
      }
    });
  }
  std::shared_ptr<State> st_;
};

}  // namespace foobar::net
