#pragma once
// stack.json in the state dir: what the running `foobar up` knows about its
// nodes (pids, states, restarts), rewritten as it changes; `foobar status` and
// `foobar down` read it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foobar::ctl {

struct NodeRecord {
  std::string name;       // "web1"
  std::string role;       // "web", "db-primary"...
  std::string address;    // "127.0.0.1:18001"
  std::string admin;      // its admin listener (/metrics), else ""
  pid_t pid = 0;
  std::string state;      // starting | up | restarting | crashing | down
  std::int64_t started = 0;  // unix seconds of the current run
  int restarts = 0;
  std::string last_exit;
};

struct StackRecord {
  pid_t up_pid = 0;
  std::int64_t started = 0;
  std::string phase;      // starting | running | stopping | stopped | failed
  std::string url;
  std::string https_url;  // "" when the lb serves no https
  std::string prometheus_url;    // "" when monitoring is off or not installed
  std::string alertmanager_url;
  std::string dashboard_url;     // the lb admin listener's /dashboard
  std::vector<NodeRecord> nodes;
};

std::string to_json(const StackRecord& s);
// nullopt when the file is missing or not a stack record.
std::optional<StackRecord> read_stack(const std::filesystem::path& path);

}  // namespace foobar::ctl
