#pragma once
// The state directory of one stack (default ./.foobar/):
//   stack.lock  held (flock) by the running `foobar up`; up.pid its pid
//   stack.json  live node table written by the supervisor, read by `foobar status`
//   topology.toml the topology in use
//   secrets/    generated passwords (dir 0700, files 0600; never printed or logged)
//   db/NAME/    one MariaDB instance: data/, its generated my.cnf, socket
//   logs/       one log per process; pids/ one pid file per process; run/ sockets
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace foobar::ctl {

class StateDir {
 public:
  explicit StateDir(const std::filesystem::path& root);
  ~StateDir();
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path logs() const { return root_ / "logs"; }
  std::filesystem::path pids() const { return root_ / "pids"; }
  std::filesystem::path secrets() const { return root_ / "secrets"; }
  std::filesystem::path db() const { return root_ / "db"; }
  std::filesystem::path run() const { return root_ / "run"; }
  std::filesystem::path tls() const { return root_ / "tls"; }  // local CA, certificates, ticket keys
  std::filesystem::path monitoring() const { return root_ / "monitoring"; }  // Prometheus and Alertmanager
  std::filesystem::path log(const std::string& node) const { return logs() / (node + ".log"); }
  std::filesystem::path pid_file(const std::string& node) const { return pids() / (node + ".pid"); }
  std::filesystem::path stack_file() const { return root_ / "stack.json"; }
  std::filesystem::path up_pid_file() const { return root_ / "up.pid"; }

  // Creates the layout (idempotent). Throws std::runtime_error with the path on failure.
  void create();
  // Takes the stack lock for this process (and children it forks before exec).
  // Throws std::runtime_error naming the owner if a running stack holds it.
  void lock();
  // Records pid as the stack's owner (after -d's fork, the daemon's pid).
  void write_owner(pid_t pid) const;

  // The secret called name: read, or generated on first use (32 random
  // alphanumerics, file mode 0600). Its path is secret_path(name).
  std::string secret(const std::string& name) const;
  std::filesystem::path secret_path(const std::string& name) const { return secrets() / name; }

  // pid of the running `foobar up` that owns the dir at root, or 0 when none holds it.
  static pid_t owner(const std::filesystem::path& root);

 private:
  std::filesystem::path root_;
  int lock_fd_ = -1;
};

// The secret in file: read, or generated (32 random alphanumerics, mode 0600).
std::string secret_file(const std::filesystem::path& file);
// The secret in file without its line end; "" when it cannot be read (never creates it).
std::string read_secret(const std::filesystem::path& file);

}  // namespace foobar::ctl
