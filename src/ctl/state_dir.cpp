#include "ctl/state_dir.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace foobar::ctl {

namespace fs = std::filesystem;

StateDir::StateDir(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (root_.has_filename() == false) root_ = root_.parent_path();
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void StateDir::create() {
  std::error_code ec;
  for (const fs::path& p : {root_, logs(), pids(), db(), run(), secrets()}) {
    fs::create_directories(p, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", p.string(), ec.message()));
  }
  // Secrets are for this user only, whatever the umask.
  ::chmod(secrets().c_str(), 0700);
}

void StateDir::lock() {
  int fd = ::open((root_ / "stack.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", (root_ / "stack.lock").string(),
                                                   std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    pid_t pid = owner(root_);
    throw std::runtime_error(fmt::format(
        "state dir {} is in use by a running stack{}; stop it with `foobar down --state-dir {}` or use "
        "another --state-dir",
        root_.string(), pid ? fmt::format(" (foobar up, pid {})", pid) : "", root_.string()));
  }
  lock_fd_ = fd;
  write_owner(::getpid());
}

void StateDir::write_owner(pid_t pid) const { core::write_file_atomic(up_pid_file(), fmt::format("{}\n", pid)); }

pid_t StateDir::owner(const fs::path& root) {
  int fd = ::open((root / "stack.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  if (!held) return 0;
  std::string text = core::read_file(root / "up.pid");
  try {
    return static_cast<pid_t>(std::stol(text));
  } catch (const std::exception&) {
    return -1;  // held, but the pid is not written yet
  }
}

std::string StateDir::secret(const std::string& name) const { return secret_file(secret_path(name)); }

std::string read_secret(const fs::path& path) {
  std::string value = core::read_file(path);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

std::string secret_file(const fs::path& path) {
  std::string existing = read_secret(path);
  if (!existing.empty()) return existing;

  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[32];
  std::ifstream rnd("/dev/urandom", std::ios::binary);
  if (!rnd.read(reinterpret_cast<char*>(raw), sizeof raw)) throw std::runtime_error("cannot read /dev/urandom");
  std::string value;
  for (unsigned char c : raw) value += alphabet[c % (sizeof alphabet - 1)];
  core::write_file_atomic(path, value, 0600);
  return value;
}

}  // namespace foobar::ctl
