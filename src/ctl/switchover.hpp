#pragma once
// `foobar switchover [--to NODE]`: a planned change of primary. The primary
// turns read-only (writes that reach it then are refused before they run, and
// the app sends them again to the new primary: they wait, they do not fail),
// the target applies everything the primary wrote, becomes the primary, and
// every other server, the old primary included, follows it.
#include <filesystem>
#include <string>
#include <vector>

#include "ctl/db_status.hpp"
#include "net/address.hpp"

namespace foobar::ctl {

struct DbServer {
  std::string name;
  net::Address address;
};

// As the monitor user (it holds the grants failover needs). to: a server's
// name or HOST:PORT; empty: the replica that has received the most.
// Prints what it did; returns 0, or 1 with the reason on stderr.
int switchover(const std::vector<DbServer>& servers, const DbLogin& login, const std::string& to);

// The command for `foobar up`'s stack (state_dir) or a topology of real hosts (config).
int run_switchover(const std::filesystem::path& state_dir, const std::string& config,
                   const std::filesystem::path& secrets, const std::string& to);

}  // namespace foobar::ctl
