#pragma once
// Runs the stack's processes as children of `foobar up`: one log file and one pid
// file each, restarts with exponential backoff when one dies, and stops them in
// reverse start order. Single-threaded: the owner calls poll() from its loop.
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ctl/topology.hpp"

namespace foobar::ctl {

struct ChildSpec {
  std::string name;                 // "web1"
  std::vector<std::string> argv;    // argv[0] is shown in ps; see self
  bool self = true;                 // exec this very binary (/proc/self/exe); else argv[0] from PATH
  std::vector<std::string> env;     // extra NAME=VALUE entries
  std::filesystem::path log;        // stdout and stderr, appended
  std::filesystem::path pid_file;   // written while it runs
  std::vector<net::Address> ready;      // TCP listeners that accept once it serves
  bool restart = true;
  std::chrono::milliseconds stop_timeout{10000};  // SIGTERM, then SIGKILL
};

enum class ChildState { starting, up, restarting, crashing, stopped };
std::string_view state_name(ChildState s) noexcept;

struct ChildStatus {
  std::string name;
  pid_t pid = 0;                                  // 0 while not running
  ChildState state = ChildState::stopped;
  std::chrono::system_clock::time_point started;  // of the current run
  int restarts = 0;                               // since `foobar up` started
  std::string last_exit;                          // "exit 1", "signal 9 (Killed)", ""
};

// Backoff before restart n (1-based) of a process that keeps dying quickly:
// base, 2 base, 4 base... at most 30 s.
std::chrono::milliseconds restart_delay(int consecutive_failures,
                                        std::chrono::milliseconds base = std::chrono::milliseconds(250)) noexcept;

class Supervisor {
 public:
  using Clock = std::chrono::steady_clock;
  // log receives one line per event (exit, restart); it must not throw.
  explicit Supervisor(std::function<void(const std::string&)> log,
                      std::chrono::milliseconds backoff_base = std::chrono::milliseconds(250));
  ~Supervisor();  // stop_all()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Launches the process now; throws std::runtime_error if it cannot fork.
  void start(ChildSpec spec);
  // Waits until name accepts on all its ready endpoints. Returns "" when it does,
  // else why not (it exited, timed out, or interrupted() returned true).
  std::string wait_ready(const std::string& name, std::chrono::milliseconds timeout,
                         const std::function<bool()>& interrupted);
  // Reaps exited children, restarts those whose backoff elapsed, and marks
  // starting ones up when they accept. Call at least every 200 ms.
  void poll();
  // Stops every child, the last started first (SIGTERM, SIGKILL after its timeout).
  void stop_all();
  std::vector<ChildStatus> status() const;
  // Runs of 5+ restarts within a minute count as crashing.
  static constexpr int crash_restarts = 5;

 private:
  struct Child {
    ChildSpec spec;
    ChildStatus st;
    Clock::time_point started;
    Clock::time_point restart_at;
    int consecutive = 0;  // quick deaths in a row
    int exits = 0;
    std::deque<Clock::time_point> recent_restarts;
  };
  void launch(Child& c);
  void on_exit(Child& c, int wstatus);
  Child* find(const std::string& name);
  std::function<void(const std::string&)> log_;
  std::vector<Child> children_;
  std::chrono::milliseconds backoff_base_;
  bool stopping_ = false;
};

// True when something accepts a TCP connection on e within timeout.
bool tcp_accepts(const net::Address& address, std::chrono::milliseconds timeout = std::chrono::milliseconds(200));

// Whether program can be started by name: an executable in $PATH or in the
// sbin/bin directories (mariadbd lives in /usr/sbin, off many users' PATH).
bool installed(const std::string& program);

}  // namespace foobar::ctl
