#include "db/replica_monitor.hpp"

#include <charconv>

#include "db/replica_status.hpp"
#include "db/roles.hpp"

namespace foobar::db {

ServerHealth assess_replica(const Result& status, std::optional<std::chrono::steady_clock::time_point>& behind_since,
                            std::chrono::steady_clock::time_point now, double max_replica_lag) {
  ServerHealth h;
  h.server = status.server;
  h.checked = true;
  h.up = true;
  if (!status.ok()) {
    h.up = !status.error.connection;
    h.reason = status.error.message.empty() ? "check failed" : status.error.message;
    behind_since.reset();
    return h;
  }
  auto rs = parse_replica_status(status);
  if (!rs) {
    h.reason = "not replicating";
    return h;
  }
  h.status_known = true;
  h.io_state = rs->io_state;
  h.master = rs->master;
  h.replication_errno = rs->last_errno;
  h.replication_error = rs->last_error;
  h.io_running = rs->io_running;
  h.io_connected = rs->io_connected;
  h.sql_running = rs->sql_running;
  h.gtid_io_pos = rs->gtid_io_pos;
  h.gtid_slave_pos = rs->gtid_slave_pos;
  auto io_pos = parse_gtid_pos(h.gtid_io_pos);
  auto applied = parse_gtid_pos(h.gtid_slave_pos);
  if (applied) h.applied = *applied;
  // Everything received is applied: no lag, whether or not the primary is still there.
  bool caught_up = io_pos && applied && same_pos(*io_pos, *applied);
  if (caught_up) {
    behind_since.reset();
  } else if (!behind_since) {
    behind_since = now;
  }
  if (h.sql_running && rs->seconds_behind) {
    h.lag_seconds = *rs->seconds_behind;
  } else if (caught_up) {
    h.lag_seconds = 0.0;
  } else if (io_pos && applied) {
    h.lag_seconds = std::chrono::duration<double>(now - *behind_since).count();
  }
  if (rs->io_state == "No") {
    h.reason = "replication stopped (IO thread not running)";
  } else if (!h.lag_seconds) {
    h.reason = "lag unknown";
  } else if (*h.lag_seconds > max_replica_lag) {
    h.reason = "lagging " + std::to_string(static_cast<long>(*h.lag_seconds)) + " s behind the primary";
  } else {
    h.healthy = true;
  }
  return h;
}

bool read_node_state(const Result& r, ServerHealth& h) {
  if (!r.ok() || r.rows.size() != 1 || r.rows[0].size() != 6) return false;
  const Row& row = r.rows[0];
  auto text = [&](std::size_t i) { return row[i].value_or(""); };
  auto number = [&](std::size_t i) {
    double v = 0;
    auto t = text(i);
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  };
  h.role_known = true;
  h.writable = text(0) == "0";
  h.semi_sync_master = text(1) == "1";
  h.gtid_binlog_pos = text(2);
  h.gtid_binlog_state = text(3);
  if (row[4]) h.semi_sync_clients = static_cast<unsigned>(number(4));
  h.uptime_seconds = number(5);
  return true;
}

ServerHealth server_health(std::string server, const Result& state, const Result& status) {
  std::optional<std::chrono::steady_clock::time_point> since;
  ServerHealth h = assess_replica(status.ok() ? status : state, since, std::chrono::steady_clock::now(), 1e9);
  h.server = std::move(server);
  if (h.up && !read_node_state(state, h)) {
    h.up = false;
    h.reason = state.ok() ? "unexpected answer to the role query" : state.error.message;
  }
  return h;
}

std::shared_ptr<const ClusterHealth> initial_health(const std::vector<ServerOptions>& servers) {
  auto s = std::make_shared<ClusterHealth>();
  for (const auto& o : servers) {
    ServerHealth h;
    h.server = o.endpoint.str();
    h.reason = "not checked yet";
    s->nodes.push_back(std::move(h));
  }
  assign_roles(*s, std::nullopt);
  s->at = std::chrono::system_clock::now();
  return s;
}

struct ReplicaMonitor::Target {
  explicit Target(asio::any_io_executor ex, ServerOptions o)
      : options(std::make_shared<const ServerOptions>(std::move(o))), timer(ex) {}
  std::shared_ptr<const ServerOptions> options;
  std::unique_ptr<Connection> conn;
  asio::steady_timer timer;
  std::optional<std::chrono::steady_clock::time_point> behind_since;
  // When the replica last heard from its primary (a heartbeat or an event):
  // an IO thread can hang in "Queueing master event" on a dead link, still "Yes".
  std::uint64_t heartbeats = 0;
  std::string io_pos;
  std::chrono::steady_clock::time_point heard_at{};
};

ReplicaMonitor::ReplicaMonitor(asio::any_io_executor ex, std::vector<ServerOptions> servers, MonitorOptions options,
                               std::shared_ptr<HealthBoard> board)
    : ex_(ex), options_(options), board_(std::move(board)), stopped_(std::make_shared<bool>(false)) {
  // A check must finish within the interval, so a hung server is noticed in time.
  auto bound = [&](ServerOptions o) {
    o.database.clear();
    o.track_gtid = false;
    o.connect_timeout = std::min(o.connect_timeout, options_.interval);
    o.query_timeout = std::min(o.query_timeout, options_.interval);
    return o;
  };
  for (auto& o : servers) targets_.push_back(std::make_unique<Target>(ex, bound(std::move(o))));
}

ReplicaMonitor::~ReplicaMonitor() { *stopped_ = true; }

void ReplicaMonitor::start() {
  for (std::size_t i = 0; i < targets_.size(); ++i) asio::co_spawn(ex_, loop(i), asio::detached);
}

void ReplicaMonitor::stop() {
  *stopped_ = true;
  for (auto& t : targets_) t->timer.cancel();
}

void ReplicaMonitor::publish(std::size_t index, ServerHealth h) {
  auto next = std::make_shared<ClusterHealth>(*board_->load());
  h.writable_at = h.up && h.writable ? std::chrono::steady_clock::now() : next->nodes[index].writable_at;
  next->nodes[index] = std::move(h);
  assign_roles(*next, next->primary);
  next->at = std::chrono::system_clock::now();
  board_->store(std::move(next));
}

asio::awaitable<ServerHealth> ReplicaMonitor::check(Target& t) {
  ServerHealth h;
  h.server = t.options->endpoint.str();
  h.checked = true;
  if (!t.conn || t.conn->broken()) {
    t.conn = std::make_unique<Connection>(ex_, t.options);
    auto err = co_await t.conn->connect();
    if (err) {
      t.conn.reset();
      h.unreachable = err.unreachable();
      h.reason = "unreachable: " + err.message;
      t.behind_since.reset();
      co_return h;
    }
  }
  if (!options_.replication_status) {
    auto err = co_await t.conn->ping();
    h.up = h.healthy = !err;
    h.unreachable = err.unreachable();
    if (err) {
      h.reason = "unreachable: " + err.message;
      t.conn.reset();
    }
    co_return h;
  }
  auto state = co_await t.conn->query(kNodeStateQuery);
  Result r;
  if (state.ok()) {
    r = co_await t.conn->query(kReplicaStatusQuery);
  } else {
    r.error = state.error;
    r.server = state.server;
  }
  if (!r.ok() && r.error.connection) t.conn.reset();
  const auto now = std::chrono::steady_clock::now();
  h = assess_replica(r, t.behind_since, now, options_.max_replica_lag);
  h.unreachable = r.error.unreachable();
  h.server = t.options->endpoint.str();
  if (auto rs = r.ok() ? parse_replica_status(r) : std::nullopt) {
    if (rs->received_heartbeats != t.heartbeats || rs->gtid_io_pos != t.io_pos || !h.io_connected) t.heard_at = now;
    t.heartbeats = rs->received_heartbeats;
    t.io_pos = rs->gtid_io_pos;
    // Heartbeats come every slave_net_timeout / 2 (1 s with ours): 2 s of silence is a lost primary.
    if (now - t.heard_at > std::chrono::seconds(2)) h.io_connected = false;
  }
  if (h.up && !read_node_state(state, h)) {
    h.up = h.healthy = false;
    h.reason = state.ok() ? "unexpected answer to the role query" : state.error.message;
  }
  if (!h.up) h.reason = "unreachable: " + h.reason;
  co_return h;
}

asio::awaitable<void> ReplicaMonitor::loop(std::size_t index) {
  auto stopped = stopped_;
  Target& t = *targets_[index];
  while (!*stopped) {
    auto started = std::chrono::steady_clock::now();
    auto h = co_await check(t);
    if (*stopped) break;
    publish(index, std::move(h));
    t.timer.expires_at(started + options_.interval);
    co_await t.timer.async_wait(use_nothrow);
  }
}

}  // namespace foobar::db
