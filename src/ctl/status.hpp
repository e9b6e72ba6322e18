#pragma once
// `foobar status`: every node of the stack in a state dir, from the supervisor's
// stack.json checked against reality (pid alive, port accepting), with request
// counters from the lb and replication state from the databases.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ctl/db_status.hpp"
#include "ctl/stack_file.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

struct NodeStatus {
  NodeRecord rec;
  bool up = false;                     // process alive and accepting connections
  long long uptime_s = 0;
  std::optional<long long> requests;   // requests served, when a counter is known
  std::optional<DbNodeStatus> db;
  bool caught_up = false;              // replicas: running, 0 s behind, primary's GTID reached
};

struct StackStatus {
  std::string state_dir;
  bool running = false;                // a `foobar up` holds the state dir
  StackRecord stack;
  std::vector<NodeStatus> nodes;
  bool all_up = false;                 // running, every node up, none crashing
  std::string alerts_json;             // the alerts firing, as the lb's /alerts has them ("" when unknown)
};

// Reads the state dir; a dir without stack.json gives running=false and no nodes.
StackStatus collect_status(const std::filesystem::path& state_dir, bool with_db = true);
std::string render_table(const StackStatus& s);
std::string render_json(const StackStatus& s);

// A topology of real hosts: every node asked over the network (listener
// accepting, /metrics, the databases with the monitor password in secrets).
StackStatus collect_hosts_status(const Topology& topo, const std::filesystem::path& secrets);

// The command: prints the table (or JSON); returns 0 only when everything is up.
int run_status(const std::filesystem::path& state_dir, bool json);
// `foobar status --config FILE`: the same for a topology of real hosts (exit 2: bad file).
int run_hosts_status(const std::string& config, const std::filesystem::path& secrets, bool json);

}  // namespace foobar::ctl
