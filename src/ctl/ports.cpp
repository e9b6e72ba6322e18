#include "ctl/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace foobar::ctl {

namespace fs = std::filesystem;

std::string port_problem(const net::Address& address, const std::string& what) {
  const auto& ep = address.endpoint();
  int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("cannot create a socket: {}", std::strerror(errno));
  int one = 1;
  // As the roles do: TIME_WAIT leftovers of an earlier run must not count as "in use".
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = ::bind(fd, ep.data(), static_cast<socklen_t>(ep.size()));
  int err = errno;
  ::close(fd);
  if (rc == 0) return "";
  if (err == EADDRINUSE) {
    std::string who = port_owner(address.port());
    return fmt::format("port {} on {} ({}) is already in use{}", address.port(), address.host(), what,
                       who.empty() ? " (by a process we cannot see)" : " by " + who);
  }
  if (err == EACCES)
    return fmt::format("port {} on {} ({}): permission denied (ports below 1024 need root)", address.port(),
                       address.host(), what);
  return fmt::format("cannot bind {} ({}): {}", address.str(), what, std::strerror(err));
}

namespace {
// Inodes of sockets listening on port, from /proc/net/tcp{,6}.
std::set<std::string> listening_inodes(int port) {
  std::set<std::string> out;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string sl, local, remote, st, queues, tr, retr, uid, timeout, inode;
      ls >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> inode;
      auto colon = local.rfind(':');
      if (colon == std::string::npos || st != "0A") continue;  // 0A: LISTEN
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) out.insert(inode);
    }
  }
  return out;
}
}  // namespace

std::string port_owner(int port) {
  auto inodes = listening_inodes(port);
  if (inodes.empty()) return "";
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    std::string pid = proc.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fec)) {
      std::error_code lec;
      std::string target = fs::read_symlink(fd.path(), lec).string();
      if (target.rfind("socket:[", 0) != 0) continue;
      if (inodes.count(target.substr(8, target.size() - 9))) {
        std::ifstream comm(proc.path() / "comm");
        std::string name;
        std::getline(comm, name);
        return fmt::format("pid {} ({})", pid, name);
      }
    }
  }
  return "";
}

}  // namespace foobar::ctl
