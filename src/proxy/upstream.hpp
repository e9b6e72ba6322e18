#pragma once
// An upstream group: the servers one proxy balances over, their admin and
// health state, and their counters. Shared by every worker thread.
//
// Readers (the request path) see the state as an immutable Snapshot published
// through an atomic shared_ptr; writers (health checks, admin API, passive
// failure reports) serialize on a mutex, build a new Snapshot and publish it.
#include <array>
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

// Request counters of one server (relaxed atomics, written from every worker).
struct alignas(64) ServerCounters {
  std::atomic<std::int64_t> active{0};         // requests in flight
  std::atomic<std::uint64_t> requests{0};      // requests sent (attempts that reached a connection)
  std::atomic<std::uint64_t> errors{0};        // connect failures, bad/missing responses, timeouts
  std::atomic<std::uint64_t> retries{0};       // attempts redispatched away from this server
  std::atomic<std::uint32_t> consecutive_failures{0};
  std::array<std::atomic<std::uint64_t>, 5> responses{};  // by status class 1xx..5xx
};

// Request-duration histogram over the whole group (seconds).
struct DurationHistogram {
  static constexpr std::array<double, 12> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1,    2.5,   10};
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets{};  // last one is +Inf
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_us{0};
  void observe(std::chrono::microseconds d) noexcept;
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
  // Responses sent to clients (including the proxy's own 502/503/504), by status class.
  void count_response(int status) noexcept {
    const int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5) responses_[static_cast<std::size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t responses(int cls) const noexcept {  // cls 1..5
    return responses_[static_cast<std::size_t>(cls - 1)].load(std::memory_order_relaxed);
  }
  DurationHistogram& durations() noexcept { return durations_; }
  const DurationHistogram& durations() const noexcept { return durations_; }

 private:
  void publish_locked();  // builds and publishes a new Snapshot from the master state

  std::vector<ServerConfig> servers_;
  HealthConfig health_;
  std::unique_ptr<ServerCounters[]> counters_;
  DurationHistogram durations_;
  std::array<std::atomic<std::uint64_t>, 5> responses_{};

  std::mutex mu_;  // guards the master state below
  std::vector<HealthState> health_state_;
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
