#pragma once
// Thread-per-core runtime: N workers, each with its own io_context (no locks
// between them). A connection lives on one worker for its whole life.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/asio.hpp"

namespace foobar::core {

class Runtime {
 public:
  // threads == 0 -> one per CPU.
  explicit Runtime(unsigned threads);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()); }
  asio::io_context& context(unsigned worker) { return *workers_[worker]; }

  // Called once, on worker 0, when SIGTERM/SIGINT arrives or stop() is called:
  // roles stop accepting and let in-flight work finish.
  void on_stop(std::function<void()> fn) { stop_handlers_.push_back(std::move(fn)); }
  // Called on worker 0 at each SIGHUP (roles reload what they can: certificates).
  // Register before run().
  void on_reload(std::function<void()> fn) { reload_handlers_.push_back(std::move(fn)); }

  // Runs every worker (worker 0 on the calling thread) until all work is done
  // after a stop; anything still running grace after the stop is cut off.
  // Returns the process exit code (0 on a clean stop).
  int run(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Thread-safe request to stop (as a signal would).
  void stop();

 private:
  void begin_stop();
  std::vector<std::unique_ptr<asio::io_context>> workers_;
  std::vector<std::function<void()>> stop_handlers_;
  std::vector<std::function<void()>> reload_handlers_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::chrono::milliseconds grace_{0};
  bool stopping_ = false;
  bool stopping_seen_ = false;  // guarded by run()'s mutex: wakes the deadline watchdog
};

// Number of CPUs this process may run on.
unsigned cpu_count() noexcept;

}  // namespace foobar::core
