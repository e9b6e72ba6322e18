#include "ctl/supervisor.hpp"
#include "core/files.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "ctl/state_dir.hpp"

extern char** environ;

namespace foobar::ctl {

using namespace std::chrono_literals;

std::string_view state_name(ChildState s) noexcept {
  switch (s) {
    case ChildState::starting: return "starting";
    case ChildState::up: return "up";
    case ChildState::restarting: return "restarting";
    case ChildState::crashing: return "crashing";
    case ChildState::stopped: return "down";
  }
  return "?";
}

std::chrono::milliseconds restart_delay(int n, std::chrono::milliseconds base) noexcept {
  if (n < 1) n = 1;
  auto d = base * (1 << std::min(n - 1, 7));
  return std::min<std::chrono::milliseconds>(d, 30s);
}

bool installed(const std::string& program) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin:/sbin:/bin";
  for (std::size_t start = 0; start < dirs.size();) {
    auto end = std::min(dirs.find(':', start), dirs.size());
    if (end > start && ::access((std::filesystem::path(dirs.substr(start, end - start)) / program).c_str(), X_OK) == 0)
      return true;
    start = end + 1;
  }
  return false;
}

bool tcp_accepts(const net::Address& address, std::chrono::milliseconds timeout) {
  const auto ep = address.local_target().endpoint();
  int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  int rc = ::connect(fd, ep.data(), static_cast<socklen_t>(ep.size()));
  if (rc == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      ok = err == 0;
    }
  }
  ::close(fd);
  return ok;
}

namespace {
std::string describe_exit(int wstatus) {
  if (WIFEXITED(wstatus)) return fmt::format("exit {}", WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return fmt::format("signal {} ({})", WTERMSIG(wstatus), ::strsignal(WTERMSIG(wstatus)));
  return "stopped";
}

void append_line(const std::filesystem::path& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string l = line + "\n";
  [[maybe_unused]] auto n = ::write(fd, l.data(), l.size());
  ::close(fd);
}
}  // namespace

Supervisor::Supervisor(std::function<void(const std::string&)> log, std::chrono::milliseconds backoff_base)
    : log_(std::move(log)), backoff_base_(backoff_base) {}

Supervisor::~Supervisor() { stop_all(); }

Supervisor::Child* Supervisor::find(const std::string& name) {
  for (auto& c : children_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

void Supervisor::start(ChildSpec spec) {
  Child c;
  c.spec = std::move(spec);
  c.st.name = c.spec.name;
  children_.push_back(std::move(c));
  launch(children_.back());
}

void Supervisor::launch(Child& c) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : c.spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (auto& e : c.spec.env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string log = c.spec.log.string();
  const char* path = c.spec.self ? "/proc/self/exe" : c.spec.argv[0].c_str();
  bool self = c.spec.self;
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot start {}: fork: {}", c.spec.name, std::strerror(errno)));
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
    // Own process group: a terminal's Ctrl-C reaches only `foobar up`, which then
    // stops the stack in order. If `foobar up` itself dies, the children follow.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    // Nothing else of ours leaks into the role: no lock file, no sockets.
    ::close_range(3, ~0U, 0);
    if (self)
      ::execve(path, argv.data(), envp.data());
    else
      ::execvpe(path, argv.data(), envp.data());
    const char msg[] = "foobar up: exec failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  c.st.pid = pid;
  c.st.started = std::chrono::system_clock::now();
  c.started = Clock::now();
  if (c.st.state != ChildState::crashing) c.st.state = ChildState::starting;
  try {
    core::write_file_atomic(c.spec.pid_file, fmt::format("{}\n", pid));
  } catch (const std::exception&) {
    // A missing pid file degrades `status` only; the process itself is fine.
  }
}

void Supervisor::on_exit(Child& c, int wstatus) {
  std::error_code ec;
  std::filesystem::remove(c.spec.pid_file, ec);
  c.st.pid = 0;
  c.st.last_exit = describe_exit(wstatus);
  ++c.exits;
  if (stopping_ || !c.spec.restart) {
    c.st.state = ChildState::stopped;
    return;
  }
  auto now = Clock::now();
  auto ran = now - c.started;
  // A process that served a while before dying starts its backoff afresh.
  c.consecutive = ran >= 10s ? 1 : c.consecutive + 1;
  auto delay = restart_delay(c.consecutive, backoff_base_);
  c.restart_at = now + delay;
  c.recent_restarts.push_back(now);
  while (!c.recent_restarts.empty() && now - c.recent_restarts.front() > 60s) c.recent_restarts.pop_front();
  c.st.state = static_cast<int>(c.recent_restarts.size()) >= crash_restarts ? ChildState::crashing
                                                                            : ChildState::restarting;
  ++c.st.restarts;
  std::string line = fmt::format(
      "{} exited ({}) after {:.1f} s; restarting in {} ms (restart {}){}", c.spec.name, c.st.last_exit,
      std::chrono::duration<double>(ran).count(), delay.count(), c.st.restarts,
      c.st.state == ChildState::crashing ? fmt::format(", crashing: {} restarts within a minute",
                                                       c.recent_restarts.size())
                                         : "");
  log_(line);
  append_line(c.spec.log, "--- foobar up: " + line);
}

void Supervisor::poll() {
  // Each pid on its own: other children of this process (install-db runs...) are not ours to reap.
  for (auto& c : children_) {
    int wstatus = 0;
    if (c.st.pid != 0 && ::waitpid(c.st.pid, &wstatus, WNOHANG) == c.st.pid) on_exit(c, wstatus);
  }
  if (stopping_) return;
  auto now = Clock::now();
  for (auto& c : children_) {
    if (c.st.pid == 0 && (c.st.state == ChildState::restarting || c.st.state == ChildState::crashing) &&
        now >= c.restart_at) {
      try {
        launch(c);
      } catch (const std::exception& e) {
        log_(e.what());
        c.restart_at = now + restart_delay(c.consecutive, backoff_base_);
      }
    }
    if (c.st.pid != 0 && (c.st.state == ChildState::starting || c.st.state == ChildState::crashing)) {
      bool all = true;
      for (auto& e : c.spec.ready) all = all && tcp_accepts(e, 100ms);
      if (all) {
        while (!c.recent_restarts.empty() && now - c.recent_restarts.front() > 60s) c.recent_restarts.pop_front();
        bool crashing = static_cast<int>(c.recent_restarts.size()) >= crash_restarts;
        if (c.st.state == ChildState::starting && c.st.restarts > 0)
          log_(fmt::format("{} is up again (pid {})", c.spec.name, c.st.pid));
        c.st.state = crashing ? ChildState::crashing : ChildState::up;
      }
    }
  }
}

std::string Supervisor::wait_ready(const std::string& name, std::chrono::milliseconds timeout,
                                   const std::function<bool()>& interrupted) {
  Child* c = find(name);
  if (!c) return "unknown process " + name;
  int exits = c->exits;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    poll();
    c = find(name);
    if (c->exits != exits) return fmt::format("{} exited ({}) before it was ready", name, c->st.last_exit);
    if (c->st.state == ChildState::up) return "";
    if (interrupted && interrupted()) return "interrupted";
    if (Clock::now() >= deadline)
      return fmt::format("{} did not accept connections within {} s", name,
                         std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
    std::this_thread::sleep_for(50ms);
  }
}

void Supervisor::stop_all() {
  stopping_ = true;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& c = *it;
    if (c.st.pid == 0) {
      c.st.state = ChildState::stopped;
      continue;
    }
    ::kill(c.st.pid, SIGTERM);
    auto deadline = Clock::now() + c.spec.stop_timeout;
    bool killed = false;
    for (;;) {
      int wstatus = 0;
      pid_t r = ::waitpid(c.st.pid, &wstatus, WNOHANG);
      if (r == c.st.pid || (r < 0 && errno == ECHILD)) {
        on_exit(c, wstatus);
        break;
      }
      if (!killed && Clock::now() >= deadline) {
        log_(fmt::format("{} did not stop within {} ms; killing it", c.spec.name, c.spec.stop_timeout.count()));
        ::kill(c.st.pid, SIGKILL);
        killed = true;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
}

std::vector<ChildStatus> Supervisor::status() const {
  std::vector<ChildStatus> out;
  for (auto& c : children_) out.push_back(c.st);
  return out;
}

}  // namespace foobar::ctl
