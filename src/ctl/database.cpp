#include "ctl/database.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace foobar::ctl {

namespace fs = std::filesystem;

namespace {
bool in_path(const std::string& prog) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"})
    if (::access((fs::path(dir) / prog).c_str(), X_OK) == 0) return true;
  return false;
}
}  // namespace

std::string mariadb_missing() {
  for (const char* prog : {"mariadbd", "mariadb-install-db"})
    if (!in_path(prog))
      return std::string(prog) +
             " is not installed: run `make deps` (it installs Debian's mariadb-server), then `foobar up` again";
  return "";
}

void start_database(const Topology&, const StateDir&, const SitePaths&, Supervisor&, Progress& progress,
                    const std::function<bool()>&) {
  progress.begin("start the database");
  progress.failed("the MariaDB bootstrap is not in this build yet");
  throw std::runtime_error("the MariaDB bootstrap is not in this build yet; use a config with [db] enabled = false");
}

}  // namespace foobar::ctl
