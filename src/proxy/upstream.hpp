#pragma once
// An upstream group: the servers one proxy balances over, their admin and
// health state, and their counters. Shared by every worker thread.
//
// Readers (the request path) see the state as an immutable Snapshot published
// through an atomic shared_ptr; writers (health checks, admin API, passive
// failure reports) serialize on a mutex, build a new Snapshot and publish it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"
#include "proxy/health_state.hpp"

namespace foobar::proxy {

struct ServerConfig {
  net::Address address;
  unsigned weight = 1;     // relative share of requests; 0 is treated as 1
  bool backup = false;     // takes traffic only while every primary is down
  unsigned maxconn = 0;    // concurrent requests to this server; 0 = unlimited

  // "HOST:PORT" ("[V6]:PORT"): the server's name in stats, metrics and the admin API.
  std::string name() const { return address.str(); }
};

// What an operator asked for (admin API); health is tracked separately.
enum class AdminState : std::uint8_t { Enabled, Draining, Disabled };
// What the admin pages show: admin state first, then health.
enum class ServerState : std::uint8_t { Up, Down, Draining, Disabled };

std::string_view to_string(AdminState s) noexcept;
std::string_view to_string(ServerState s) noexcept;

struct ServerStatus {
  bool healthy = true;
  AdminState admin = AdminState::Enabled;
  ServerState state = ServerState::Up;
  std::string check;                             // last health-check result, e.g. "ok", "connect: refused"
  std::chrono::system_clock::time_point changed; // last change of state
};

// Immutable view of every server's state, index-aligned with the group's servers().
struct Snapshot {
  std::uint64_t version = 0;
  std::vector<ServerStatus> servers;
  // Servers that may take new requests: usable primaries, or (only when no
  // primary is usable) usable backups. Usable = healthy and Enabled.
  std::vector<std::uint32_t> eligible;
  bool using_backups = false;
};

// What every worker must see of one server at once (relaxed atomics): the
// balancers' and maxconn's in-flight count, and passive health's failure run.
// Its statistics are per-worker metrics (upstream_metrics.hpp).
struct alignas(64) ServerCounters {
  std::atomic<std::int64_t> active{0};  // requests in flight
  std::atomic<std::uint32_t> consecutive_failures{0};
};

// A server's health over the group's life (what HAProxy's chkfail, chkdown and downtime count).
struct ServerHistory {
  std::uint64_t check_failures = 0;  // active health checks that failed
  std::uint64_t transitions = 0;     // up -> down and down -> up
  std::chrono::steady_clock::duration downtime{};  // time spent down, the current spell included
};

struct HealthConfig {
  unsigned rise = 2;          // consecutive successful checks to mark a down server up
  unsigned fall = 3;          // consecutive failed checks to mark an up server down
  unsigned passive_fall = 3;  // consecutive failed connections (requests) to mark it down; 0 = off
};

class UpstreamGroup {
 public:
  // servers must not be empty; names must be unique (throws std::invalid_argument).
  UpstreamGroup(std::vector<ServerConfig> servers, HealthConfig health = {});
  UpstreamGroup(const UpstreamGroup&) = delete;
  UpstreamGroup& operator=(const UpstreamGroup&) = delete;

  const std::vector<ServerConfig>& servers() const noexcept { return servers_; }
  std::size_t size() const noexcept { return servers_.size(); }
  const HealthConfig& health_config() const noexcept { return health_; }
  // Index of the server named "host:port", or -1.
  int find(std::string_view name) const noexcept;

  // Current state; cheap when the caller keeps the pointer and checks version().
  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(std::memory_order_acquire); }
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

  // Admin API. Returns false when index is out of range.
  bool set_admin(std::size_t index, AdminState s);
  // Active health check outcome; rise/fall decide when health flips.
  void report_check(std::size_t index, bool ok, std::string detail);
  // Passive checks: a failed connection attempt / a request that got a response.
  void report_failure(std::size_t index, std::string_view detail);
  void report_success(std::size_t index) noexcept {
    auto& c = counters_[index].consecutive_failures;
    if (c.load(std::memory_order_relaxed) != 0) c.store(0, std::memory_order_relaxed);
  }

  ServerCounters& counters(std::size_t index) noexcept { return counters_[index]; }
  const ServerCounters& counters(std::size_t index) const noexcept { return counters_[index]; }
  ServerHistory history(std::size_t index) const;

 private:
  void publish_locked();  // builds and publishes a new Snapshot from the master state
  void health_changed_locked(std::size_t index);  // after health_state_[index] flipped

  std::vector<ServerConfig> servers_;
  HealthConfig health_;
  std::unique_ptr<ServerCounters[]> counters_;

  mutable std::mutex mu_;  // guards the master state below
  std::vector<HealthState> health_state_;
  std::vector<ServerHistory> history_;
  std::vector<std::chrono::steady_clock::time_point> down_since_;  // meaningful while down
  std::vector<AdminState> admin_;
  std::vector<std::string> check_;
  std::vector<std::chrono::system_clock::time_point> changed_;

  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::atomic<std::uint64_t> version_{0};
};

// Keeps one worker's copy of the group snapshot; refreshes it only when the
// group published a new version (one relaxed load per request, no refcount traffic).
class SnapshotCache {
 public:
  explicit SnapshotCache(const UpstreamGroup& g) : group_(g), snap_(g.snapshot()) {}
  const Snapshot& get() {
    if (group_.version() != snap_->version) snap_ = group_.snapshot();
    return *snap_;
  }

 private:
  const UpstreamGroup& group_;
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace foobar::proxy
