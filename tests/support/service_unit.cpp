#include "support/service_unit.hpp"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace foobar::test {

namespace fs = std::filesystem;

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' || c == '\'') {
      const auto end = line.find(c, i + 1);
      if (end == std::string::npos) throw std::invalid_argument("unterminated quote in: " + line);
      word += line.substr(i + 1, end - i - 1);
      in_word = true;
      i = end;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

namespace {

// A Unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fs::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind " + path_.string());
    ::chmod(path_.c_str(), 0777);  // a service that dropped root still reaches it
  }
  ~NotifySocket() {
    ::close(fd_);
    fs::remove(path_);
  }
  // Waits for READY=1; false when the process exits or the time runs out first.
  bool wait_ready(Process& p, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && p.running()) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0 && std::string(buf, static_cast<std::size_t>(n)).find("READY=1") != std::string::npos) return true;
    }
    return false;
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

}  // namespace

ServiceUnit::ServiceUnit(const Lan& lan, std::string host, const fs::path& unit, fs::path prefix)
    : lan_(lan), host_(std::move(host)), name_(unit.stem().string()), prefix_(std::move(prefix)) {
  std::ifstream in(unit);
  if (!in) throw std::runtime_error("cannot read " + unit.string());
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) keys_.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  credentials_ = prefix_ / "run/credentials" / name_;
}

ServiceUnit::~ServiceUnit() { stop(); }

std::vector<std::string> ServiceUnit::values(const std::string& key) const {
  std::vector<std::string> out;
  auto [a, b] = keys_.equal_range(key);
  for (auto it = a; it != b; ++it) out.push_back(it->second);
  return out;
}

std::vector<std::string> ServiceUnit::command(const std::string& line, bool* ignore_failure) const {
  std::string l = line;
  bool privileged = false;
  *ignore_failure = false;
  while (!l.empty() && (l[0] == '+' || l[0] == '-')) {
    (l[0] == '+' ? privileged : *ignore_failure) = true;
    l.erase(0, 1);
  }
  for (std::size_t at; (at = l.find("%d")) != std::string::npos;) l.replace(at, 2, credentials_.string());
  auto argv = split_command_line(l);
  auto user = values("User");
  if (!privileged && !user.empty() && ::getpwnam(user.back().c_str())) {
    auto group = values("Group");
    std::vector<std::string> as{"setpriv", "--reuid=" + user.back(),
                                "--regid=" + (group.empty() ? user.back() : group.back()), "--init-groups", "--"};
    argv.insert(argv.begin(), as.begin(), as.end());
  }
  return lan_.exec(host_, argv);
}

void ServiceUnit::run_step(const std::string& line, std::chrono::milliseconds timeout) const {
  bool ignore = false;
  Process p(command(line, &ignore));
  auto rc = p.wait_exit(timeout);
  if (!ignore && rc != 0)
    throw std::runtime_error(name_ + " on " + host_ + ": `" + line + "` failed (" +
                             (rc ? std::to_string(*rc) : "timed out") + "):\n" + p.output());
}

void ServiceUnit::start(std::chrono::milliseconds timeout) {
  // What systemd prepares: state and log directories, credentials.
  auto user = values("User");
  const passwd* pw = user.empty() ? nullptr : ::getpwnam(user.back().c_str());
  for (const auto& [key, base] : {std::pair{"StateDirectory", "var/lib"}, {"LogsDirectory", "var/log"}})
    for (const auto& d : values(key)) {
      const auto dir = prefix_ / base / d;
      fs::create_directories(dir);
      if (pw && ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + dir.string());
    }
  // Credentials are the unit user's to read (0400), whoever owns the source file.
  for (const auto& c : values("LoadCredential")) {
    const auto colon = c.find(':');
    const auto file = credentials_ / c.substr(0, colon);
    fs::create_directories(credentials_);
    fs::copy_file(c.substr(colon + 1), file, fs::copy_options::overwrite_existing);
    fs::permissions(file, fs::perms::owner_read);
    if (pw && (::chown(credentials_.c_str(), pw->pw_uid, pw->pw_gid) != 0 ||
               ::chown(file.c_str(), pw->pw_uid, pw->pw_gid) != 0))
      throw std::runtime_error("chown " + file.string());
  }
  for (const auto& line : values("ExecStartPre")) run_step(line, timeout);
  const auto type = values("Type");
  const bool oneshot = !type.empty() && type.back() == "oneshot";
  for (const auto& line : values("ExecStart")) {
    if (oneshot) {
      run_step(line, timeout);
      continue;
    }
    bool ignore = false;
    const auto socket = prefix_ / ("run/notify-" + name_);
    fs::create_directories(socket.parent_path());
    NotifySocket notify(socket);
    main_ = std::make_unique<Process>(command(line, &ignore), std::vector<std::string>{"NOTIFY_SOCKET=" + socket.string()});
    if (!type.empty() && type.back() == "notify" && !notify.wait_ready(*main_, timeout))
      throw std::runtime_error(name_ + " on " + host_ + " sent no READY=1:\n" + main_->output());
  }
  for (const auto& line : values("ExecStartPost")) run_step(line, timeout);
}

void ServiceUnit::stop() {
  if (main_) main_->stop(std::chrono::seconds(20));
}

}  // namespace foobar::test
