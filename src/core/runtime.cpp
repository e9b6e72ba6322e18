#include "core/runtime.hpp"

#include <malloc.h>
#include <sched.h>

#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>

#include "core/sd_notify.hpp"

namespace foobar::core {

unsigned cpu_count() noexcept {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

Runtime::Runtime(unsigned threads) {
  // Until run() handles SIGHUP (a reload), it must not end the process: the
  // roles announce their listeners before run(), and a reload may come at once.
  std::signal(SIGHUP, SIG_IGN);
  // Memory freed at the top of the heap stays for reuse up to 32 MiB, not
  // 128 KiB: OpenSSL's record buffers (16 KiB, freed between requests) would
  // otherwise go back to the kernel and fault in again at the next request.
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  if (threads == 0) threads = cpu_count();
  for (unsigned i = 0; i < threads; ++i)
    // Only the owning thread does I/O on a context (no reactor locks); posts from
    // other threads (stop requests) still go through the locked scheduler queue.
    workers_.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
}

Runtime::~Runtime() = default;

void Runtime::stop() {
  asio::post(*workers_[0], [this] { begin_stop(); });
}

void Runtime::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  sd_notify("STOPPING=1");
  for (auto& fn : stop_handlers_) fn();
  guards_.clear();  // contexts now end as soon as their connections are done
}

int Runtime::run(std::chrono::milliseconds grace) {
  // A peer closing mid-sendfile must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  grace_ = grace;
  for (auto& w : workers_) guards_.push_back(asio::make_work_guard(*w));

  asio::signal_set signals(*workers_[0], SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int) {
    if (!ec) begin_stop();
  });
  on_stop([&signals] { signals.cancel(); });
  // SIGHUP reloads; without this its default action would end the process.
  asio::signal_set hangups(*workers_[0], SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const error_code& ec, int) {
      if (ec) return;
      sd_notify("RELOADING=1");
      for (auto& fn : reload_handlers_) fn();
      sd_notify("READY=1");
      await_hangup();
    });
  };
  await_hangup();
  on_stop([&hangups] { hangups.cancel(); });

  std::mutex mu;
  std::condition_variable cv;
  unsigned running = size();
  auto run_worker = [&](asio::io_context& io) {
    io.run();
    std::lock_guard lock(mu);
    --running;
    cv.notify_all();
  };

  // The deadline after a stop: whatever is still running is cut off.
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return running == 0 || stopping_seen_; });
    if (running == 0) return;
    if (!cv.wait_for(lock, grace_, [&] { return running == 0; }))
      for (auto& w : workers_) w->stop();
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < size(); ++i) threads.emplace_back(run_worker, std::ref(*workers_[i]));
  on_stop([&] {
    std::lock_guard lock(mu);
    stopping_seen_ = true;
    cv.notify_all();
  });
  // Listeners were opened before run(): the role is ready once its loop turns.
  asio::post(*workers_[0], [] { sd_notify("READY=1"); });
  run_worker(*workers_[0]);
  for (auto& t : threads) t.join();
  watchdog.join();
  return 0;
}

}  // namespace foobar::core
