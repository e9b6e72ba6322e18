#pragma once
// Child processes for integration tests: real foobar roles, mariadbd, nginx...
// Output goes to a file in a temp dir (never a pipe that could fill up);
// the destructor stops the process (SIGTERM, then SIGKILL) so nothing leaks.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foobar::test {

using namespace std::chrono_literals;

// A fresh directory under $TMPDIR, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

class Process {
 public:
  // Starts argv[0] (looked up in PATH unless it contains '/'); stdout and stderr
  // both go to a log file. Throws std::runtime_error if it cannot be started.
  explicit Process(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal if killed), nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s);
  // SIGTERM, then SIGKILL after grace; waits. Safe to call twice.
  void stop(std::chrono::milliseconds grace = 5s);

  // Waits until the output contains a match of the ECMAScript regex and returns
  // capture group 1 (or the whole match). Throws on timeout or if the process exits first.
  std::string wait_for(const std::string& regex, std::chrono::milliseconds timeout = 15s);
  // Port from the first "listening on HOST:PORT" line whose line contains label
  // (empty label: any). Roles print one such line per listener.
  int wait_port(const std::string& label = "", std::chrono::milliseconds timeout = 15s);
  std::string output() const;
  const std::filesystem::path& log_path() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path log_;
  std::unique_ptr<TempDir> dir_;
};

// The foobar binary under test, from the build tree.
std::string foobar_bin();
// Repository root (for site/, fixtures).
std::filesystem::path source_dir();

// A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0).
int free_port();

// Runs a shell command; returns its stdout; exit code in *status if given.
std::string run(const std::string& command, int* status = nullptr);

}  // namespace foobar::test
