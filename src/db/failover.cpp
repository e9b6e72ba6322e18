#include "db/failover.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "db/replica_monitor.hpp"
#include "db/replica_status.hpp"
#include "db/replication_sql.hpp"
#include "db/roles.hpp"

namespace foobar::db {

namespace {
using Clock = std::chrono::steady_clock;
constexpr std::string_view kLock = "foobar_failover";

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}
}  // namespace

struct FailoverManager::Node {
  Node(asio::any_io_executor ex, ServerOptions lock_options, ServerOptions admin_options, ServerOptions wait_options)
      : lock_options(std::make_shared<const ServerOptions>(std::move(lock_options))),
        admin_options(std::make_shared<const ServerOptions>(std::move(admin_options))),
        wait_options(std::make_shared<const ServerOptions>(std::move(wait_options))),
        timer(ex) {}
  std::shared_ptr<const ServerOptions> lock_options;   // bounded by the interval
  std::shared_ptr<const ServerOptions> admin_options;  // two intervals
  std::shared_ptr<const ServerOptions> wait_options;   // long enough to wait for a relay log
  std::unique_ptr<Connection> lock;
  std::unique_ptr<Connection> admin;
  asio::steady_timer timer;
  bool locked = false;
  bool release = false;          // give the lock up at the next round (no majority)
  Clock::time_point acted_at{};  // last fence or rejoin: wait for the monitor to see its effect
  double uptime = 0;
  bool restarted = false;  // seen down or restarted since it last replicated
  std::optional<Clock::time_point> unacknowledged_since;  // connected, yet the primary counts no semi-sync client
};

FailoverManager::FailoverManager(asio::any_io_executor ex, std::vector<ServerOptions> servers,
                                 FailoverOptions options, std::shared_ptr<HealthBoard> board)
    : ex_(ex), options_(options), board_(std::move(board)), timer_(ex), stopped_(std::make_shared<bool>(false)),
      semi_sync_(servers.size() > 1) {
  for (auto& s : servers) {
    s.database.clear();
    s.track_gtid = false;
    ServerOptions lock = s, admin = s, waiting = s;
    lock.connect_timeout = std::min(s.connect_timeout, options_.interval);
    lock.query_timeout = std::min(s.query_timeout, options_.interval);
    // A statement that hangs (a server's IO thread stuck, a fence behind
    // commits that wait for an ACK) must not stall the leader.
    admin.query_timeout = 2 * options_.interval;
    waiting.query_timeout = options_.catch_up_timeout + std::chrono::seconds(5);
    nodes_.push_back(std::make_unique<Node>(ex, std::move(lock), std::move(admin), std::move(waiting)));
  }
}

FailoverManager::~FailoverManager() { *stopped_ = true; }

void FailoverManager::start() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) asio::co_spawn(ex_, hold_lock(i), asio::detached);
  asio::co_spawn(ex_, loop(), asio::detached);
}

void FailoverManager::stop() {
  *stopped_ = true;
  timer_.cancel();
  for (auto& n : nodes_) n->timer.cancel();
}

bool FailoverManager::leader() const noexcept {
  auto held = std::count_if(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->locked; });
  return static_cast<std::size_t>(held) * 2 > nodes_.size();
}

// Holds this server's lock: GET_LOCK is per connection, so the lock lasts as
// long as the session. The session's wait_timeout is short: a leader cut off
// from the server loses the lock there a few intervals after it stopped
// renewing, by which time it has found out itself and stopped acting.
asio::awaitable<void> FailoverManager::hold_lock(std::size_t i) {
  auto stopped = stopped_;
  Node& n = *nodes_[i];
  const auto idle_limit = std::max<long long>(3, 3 * options_.interval.count() / 1000 + 1);
  while (!*stopped) {
    const auto started = Clock::now();
    if (!n.lock || n.lock->broken()) {
      n.locked = false;
      n.lock = std::make_unique<Connection>(ex_, n.lock_options);
      if (co_await n.lock->connect()) {
        n.lock.reset();
      } else {
        co_await n.lock->query("SET SESSION wait_timeout = " + std::to_string(idle_limit));
      }
    }
    if (n.lock && n.release) {
      n.release = n.locked = false;
      if (!(co_await n.lock->query("SELECT RELEASE_LOCK('foobar_failover')")).ok()) n.lock.reset();
    } else if (n.lock && (n.locked || Clock::now() >= retry_at_)) {
      auto r = co_await n.lock->query(n.locked ? "SELECT IS_USED_LOCK('foobar_failover') = CONNECTION_ID()"
                                               : "SELECT GET_LOCK('foobar_failover', 0)");
      n.locked = r.ok() && r.rows.size() == 1 && r.rows[0].size() == 1 && r.rows[0][0] == "1";
      if (!r.ok()) n.lock.reset();
    }
    if (*stopped) break;
    // A monitor that holds locks already takes a free one first (it looks four
    // times as often), so the locks gather on one monitor instead of splitting.
    const bool holding = std::any_of(nodes_.begin(), nodes_.end(), [](const auto& x) { return x->locked; });
    n.timer.expires_at(started + (holding && !n.locked ? options_.interval / 4 : options_.interval));
    co_await n.timer.async_wait(use_nothrow);
  }
}

asio::awaitable<void> FailoverManager::loop() {
  auto stopped = stopped_;
  bool was_leader = false;
  while (!*stopped) {
    const auto started = Clock::now();
    const bool lead = leader();
    if (lead != was_leader)
      spdlog::info("db failover: {} the leader ({} of {} locks)", lead ? "now" : "no longer", lead ? "a majority" : "not a majority",
                   nodes_.size());
    was_leader = lead;
    // Locks split between monitors (one server down, say) would leave nobody a
    // majority: without one, give back what we hold and try again after a
    // random pause, so one monitor ends up with them all.
    if (!lead && std::any_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->locked; }) &&
        Clock::now() >= retry_at_) {
      for (auto& n : nodes_) n->release = n->locked;
      std::uniform_int_distribution<long long> pause(options_.interval.count(), 3 * options_.interval.count());
      retry_at_ = Clock::now() + std::chrono::milliseconds(pause(random_));
    }
    auto h = board_->load();
    // Restarts are tracked by everyone, so a new leader knows them too.
    for (std::size_t i = 0; i < nodes_.size() && i < h->nodes.size(); ++i) {
      const auto& s = h->nodes[i];
      if (!s.checked) continue;
      if (!s.up || s.uptime_seconds < nodes_[i]->uptime) nodes_[i]->restarted = true;
      if (s.up) nodes_[i]->uptime = s.uptime_seconds;
    }
    if (lead) co_await act(*h);
    if (*stopped) break;
    // Looks four times per monitor interval: a failover is due failover_after
    // after the primary was last seen writable, not a whole interval later.
    timer_.expires_at(started + options_.interval / 4);
    co_await timer_.async_wait(use_nothrow);
  }
}

void FailoverManager::update(const std::function<void(ClusterHealth&)>& change) {
  auto next = std::make_shared<ClusterHealth>(*board_->load());
  change(*next);
  assign_roles(*next, next->primary);
  next->at = std::chrono::system_clock::now();
  board_->store(std::move(next));
}

asio::awaitable<Result> FailoverManager::run(std::size_t i, std::string sql, bool long_wait) {
  Node& n = *nodes_[i];
  // Not reused when the server closed it (it restarted since).
  if (!n.admin || n.admin->broken() || !n.admin->idle_ok() || long_wait) {
    n.admin = std::make_unique<Connection>(ex_, long_wait ? n.wait_options : n.admin_options);
    if (auto err = co_await n.admin->connect()) {
      n.admin.reset();
      Result r;
      r.error = err;
      co_return r;
    }
  }
  auto r = co_await n.admin->query(sql);
  if (long_wait) n.admin.reset();
  if (!r.ok()) spdlog::warn("db failover: {} on {}: {}", sql, n.admin_options->endpoint.str(), r.error.message);
  co_return r;
}

asio::awaitable<void> FailoverManager::run_each(std::vector<std::size_t> servers, std::string sql) {
  // Side by side: a statement such as STOP SLAVE can take seconds on a replica
  // whose IO thread is stuck connecting to a dead primary.
  auto left = std::make_shared<std::size_t>(servers.size());
  for (auto i : servers)
    asio::co_spawn(
        ex_, [this, i, sql, left]() -> asio::awaitable<void> {
          co_await run(i, sql);
          --*left;
        },
        asio::detached);
  asio::steady_timer poll(ex_);
  while (*left > 0) {
    poll.expires_after(std::chrono::milliseconds(5));
    co_await poll.async_wait(use_nothrow);
  }
}

// A fresh look at one server (the snapshot may be an interval old).
asio::awaitable<std::optional<ServerHealth>> FailoverManager::inspect(std::size_t i) {
  auto state = co_await run(i, std::string(kNodeStateQuery));
  if (!state.ok()) co_return std::nullopt;
  auto status = co_await run(i, std::string(kReplicaStatusQuery));
  if (!status.ok()) co_return std::nullopt;
  auto h = server_health(nodes_[i]->admin_options->endpoint.str(), state, status);
  if (!h.up) co_return std::nullopt;
  co_return h;
}

asio::awaitable<void> FailoverManager::reconnect_io_thread(std::size_t i, std::string why) {
  spdlog::warn("db failover: {}; reconnecting it", why);
  nodes_[i]->acted_at = Clock::now();
  co_await run(i, "STOP SLAVE IO_THREAD");
  co_await run(i, "START SLAVE IO_THREAD");
}

asio::awaitable<void> FailoverManager::act(const ClusterHealth& h) {
  const auto p = h.primary;
  const ServerHealth* ph = h.primary_health();
  const bool primary_ok = ph && ph->up && ph->writable;
  if (primary_ok) {
    lost_.reset();
    waiting_.clear();
    semi_sync_ = ph->semi_sync_master;
    for (std::size_t i = 0; i < h.nodes.size(); ++i) {
      const ServerHealth& n = h.nodes[i];
      if (i == *p || !n.up || !n.role_known) continue;
      if (Clock::now() - nodes_[i]->acted_at < 2 * options_.interval) continue;
      if (n.writable) {
        nodes_[i]->acted_at = Clock::now();
        // The snapshot joins looks taken at different moments: right after a
        // switchover it can show the old primary still writable beside the new
        // one. Fence only while the primary, looked at now, takes writes.
        if (auto now = co_await inspect(*p); !now || !now->writable) continue;
        // An old primary back from a partition: it must never take a write again.
        // (It cannot acknowledge one meanwhile: no replica follows it.)
        spdlog::warn("db failover: fencing {}: writable while {} is the primary", n.server, ph->server);
        auto r = co_await run(i, "SET GLOBAL read_only = ON");
        if (!r.ok() && r.error.timeout && h.quarantined[i].empty()) {
          // read_only waits for running commits, and commits that wait for an
          // ACK no replica will send never end: that server holds transactions
          // nobody acknowledged. Restarting it lets crash recovery drop them.
          auto why = "commits wait there for an acknowledgement no replica will send; restart it";
          spdlog::error("db failover: quarantining {}: {}", n.server, why);
          update([i, why](ClusterHealth& c) { c.quarantined[i] = why; });
        }
        continue;
      }
      std::string why;
      if (!h.quarantined[i].empty()) {
        if (history_included(n, *ph, why)) {
          spdlog::info("db failover: {} no longer holds foreign transactions; rejoining it", n.server);
          update([i](ClusterHealth& c) { c.quarantined[i].clear(); });
          nodes_[i]->restarted = true;
        }
        continue;
      }
      const bool follows = n.master == ph->server;
      const bool running = n.io_state != "No" && !n.io_state.empty() && n.sql_running;
      if (follows && n.io_running && !n.io_connected) {
        // "Yes" but silent for 2 s while the primary is fine: an IO thread hung
        // (after a partition) that will not reconnect by itself. Restart it.
        co_await reconnect_io_thread(i, fmt::format("{}'s IO thread hears nothing from {}", n.server, ph->server));
        continue;
      }
      // Connected, yet the primary counts no semi-sync client for a while: this
      // IO thread connected without semi-sync (negotiated per connection), so
      // writes wait for an acknowledgement it never sends. Reconnect it.
      const bool unacknowledged = follows && running && n.io_connected && ph->semi_sync_master &&
                                  ph->semi_sync_clients && *ph->semi_sync_clients == 0;
      auto& since = nodes_[i]->unacknowledged_since;
      if (!unacknowledged) since.reset();
      if (unacknowledged && !since) since = Clock::now();
      if (unacknowledged && Clock::now() - *since > 3 * options_.interval) {
        since.reset();
        co_await reconnect_io_thread(
            i, fmt::format("{} follows {} but does not acknowledge its writes", n.server, ph->server));
        continue;
      }
      if (follows && running) {
        nodes_[i]->restarted = false;
        continue;
      }
      // Client errors (2000-2999: cannot connect, connection lost) pass.
      const bool client_error = n.replication_errno >= 2000 && n.replication_errno < 3000;
      if (follows && n.replication_errno != 0 && (n.replication_errno == 1236 || (!n.sql_running && !client_error))) {
        // 1236: the primary's binlog lacks what the replica asks for (it is ahead);
        // an SQL error: what it received does not apply. Either way it diverged.
        auto reason = "replication failed (" + std::to_string(n.replication_errno) + "): " + n.replication_error;
        spdlog::error("db failover: quarantining {}: {}", n.server, reason);
        update([i, reason](ClusterHealth& c) { c.quarantined[i] = reason; });
        continue;
      }
      // Stopped with no error and never restarted: an operator stopped it; leave it.
      if (follows && !nodes_[i]->restarted) continue;
      nodes_[i]->acted_at = Clock::now();
      co_await rejoin(i, *p, h);
    }
    co_return;
  }

  if (!p) co_return;
  if (options_.failover_after.count() == 0) {
    co_await reopen(*p, h);
    co_return;
  }
  if (!lost_ || *lost_ != *p) {
    lost_ = p;
    lost_since_ = ph->writable_at == Clock::time_point{} ? Clock::now() : ph->writable_at;
  }
  if (Clock::now() - lost_since_ < options_.failover_after) co_return;
  // Both views: a primary we cannot reach may only be cut off from us. While
  // any replica's IO thread is still connected to it, it is alive.
  if (!ph->up) {
    for (std::size_t i = 0; i < h.nodes.size(); ++i) {
      const auto& n = h.nodes[i];
      if (i != *p && n.up && n.io_connected && n.master == ph->server) {
        auto why = n.server + " still receives from it (IO thread running)";
        if (waiting_ != why)
          spdlog::warn("db failover: primary {} unreachable from here, but {}; not failing over", ph->server, why);
        waiting_ = why;
        co_return;
      }
    }
  }
  co_await promote(*p, h);
}

asio::awaitable<void> FailoverManager::promote(std::size_t lost, const ClusterHealth& h) {
  const auto t0 = Clock::now();
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < h.nodes.size(); ++i)
    if (i != lost && h.quarantined[i].empty()) candidates.push_back(i);
  // Every candidate must answer: one we cannot reach may hold the newest
  // acknowledged write, and promoting another would lose it. Wait instead.
  for (auto i : candidates)
    if (!h.nodes[i].up || !h.nodes[i].role_known) {
      auto why = h.nodes[i].server + " cannot be reached; it may hold the newest acknowledged write";
      if (waiting_ != why) spdlog::error("db failover: primary {} lost, not promoting: {}", h.nodes[lost].server, why);
      waiting_ = why;
      co_return;
    }
  if (candidates.empty()) co_return;
  spdlog::warn("db failover: primary {} has taken no writes for {} ms; failing over", h.nodes[lost].server,
               ms_since(lost_since_));
  // Freeze what each candidate received (the old primary may come back any moment).
  co_await run_each(candidates, "STOP SLAVE IO_THREAD");
  std::vector<std::pair<std::size_t, ServerHealth>> seen;
  for (auto i : candidates) {
    auto s = co_await inspect(i);
    if (!s) {
      spdlog::error("db failover: {} stopped answering; failover abandoned", h.nodes[i].server);
      co_await run_each(candidates, "START SLAVE IO_THREAD");
      co_return;
    }
    seen.emplace_back(i, std::move(*s));
  }
  // The one that received everything any other received (semi-sync: every
  // acknowledged write reached at least one of them).
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < seen.size() && !best; ++k) {
    auto mine = received_position(seen[k].second);
    bool all = std::all_of(seen.begin(), seen.end(),
                           [&](const auto& o) { return includes(mine, received_position(o.second)); });
    if (all) best = k;
  }
  if (!best) {
    spdlog::error("db failover: no replica holds everything the others received; failover abandoned");
    co_await run_each(candidates, "START SLAVE IO_THREAD");
    co_return;
  }
  const std::size_t c = seen[*best].first;
  const ServerHealth& cs = seen[*best].second;
  // Apply the whole relay log before anything restarts replication there
  // (a GTID replica purges its relay log when its threads start).
  if (!cs.gtid_io_pos.empty()) {
    auto secs = std::to_string(options_.catch_up_timeout.count() / 1000.0);
    auto w = co_await run(c, "SELECT MASTER_GTID_WAIT(" + sql_literal(cs.gtid_io_pos) + ", " + secs + ")", true);
    if (!w.ok() || w.rows.empty() || w.rows[0].empty() || w.rows[0][0] != "0") {
      spdlog::error("db failover: {} did not apply its relay log ({}) in time; failover abandoned", cs.server,
                    cs.gtid_io_pos);
      co_await run_each(candidates, "START SLAVE IO_THREAD");
      co_return;
    }
  }
  if (!leader()) {
    spdlog::warn("db failover: lost the majority of locks; leaving the failover to the new leader");
    co_return;
  }
  // Pointed at itself (not started): it keeps its replication credentials for
  // when it is a replica again, and says where its writes come from.
  for (const auto& sql : promote_steps(nodes_[c]->admin_options->endpoint, semi_sync_)) {
    auto r = co_await run(c, sql);
    if (!r.ok()) {
      spdlog::error("db failover: promoting {} failed at '{}': {}", cs.server, sql, r.error.message);
      co_return;
    }
  }
  const bool semi = semi_sync_;
  update([c, lost, semi](ClusterHealth& s) {
    s.nodes[c].writable = true;
    s.nodes[c].up = true;
    s.nodes[c].semi_sync_master = semi;
    s.nodes[c].semi_sync_clients.reset();
    s.nodes[lost].writable = false;
    s.primary = c;
  });
  spdlog::warn("db failover: {} promoted (it had {}), {} ms after the primary was last seen writable, {} ms after "
               "the decision", cs.server, cs.gtid_binlog_pos, ms_since(lost_since_), ms_since(t0));
  std::vector<std::size_t> followers;
  for (auto i : candidates)
    if (i != c) followers.push_back(i);
  for (const auto& sql : rejoin_steps(nodes_[c]->admin_options->endpoint)) co_await run_each(followers, sql);
  // Writes open once a replica is seen connected (db/roles.cpp): publish the
  // first that is, rather than wait for the monitor's next round.
  for (int round = 0; round < 40; ++round) {
    bool connected = false;
    for (auto i : followers) {
      auto s = co_await inspect(i);
      if (s && s->io_connected) {
        update([i, &s](ClusterHealth& h) {
          auto& n = h.nodes[i];
          n.io_state = s->io_state;
          n.io_running = n.io_connected = true;
          n.master = s->master;
        });
        connected = true;
      }
    }
    if (connected || followers.empty()) break;
    timer_.expires_after(std::chrono::milliseconds(25));
    co_await timer_.async_wait(use_nothrow);
  }
  spdlog::info("db failover: replicas follow {} ({} ms for the promotion)", cs.server, ms_since(t0));
  lost_.reset();
  waiting_.clear();
}

// Failover off: a primary that restarted (read-only, as every server starts)
// takes writes again, unless a replica received something it no longer has
// (its crash recovery truncated unacknowledged transactions): then it waits
// for an operator, as reopening would make that replica diverge.
asio::awaitable<void> FailoverManager::reopen(std::size_t p, const ClusterHealth& h) {
  const ServerHealth& ph = h.nodes[p];
  if (!ph.up || !ph.role_known || ph.writable) co_return;
  for (std::size_t i = 0; i < h.nodes.size(); ++i) {
    if (i == p) continue;
    const auto& n = h.nodes[i];
    if (n.writable) co_return;
    if (n.up && !holds(parse_gtid_pos(ph.gtid_binlog_state).value_or(std::vector<Gtid>{}), received_position(n))) {
      if (waiting_.empty())
        spdlog::error("db failover: not reopening {}: {} received transactions it lacks", ph.server, n.server);
      waiting_ = "replica ahead";
      co_return;
    }
  }
  spdlog::warn("db failover: reopening {} for writes (failover is off)", ph.server);
  for (const auto& sql : promote_steps(nodes_[p]->admin_options->endpoint, semi_sync_))
    if (!(co_await run(p, sql)).ok()) co_return;
}

asio::awaitable<void> FailoverManager::rejoin(std::size_t i, std::size_t primary, const ClusterHealth& h) {
  std::string why;
  const ServerHealth& n = h.nodes[i];
  if (!history_included(n, h.nodes[primary], why)) {
    spdlog::error("db failover: quarantining {}: {}", n.server, why);
    update([i, why](ClusterHealth& c) { c.quarantined[i] = why; });
    co_return;
  }
  spdlog::info("db failover: {} rejoins as a replica of {} (from {})", n.server, h.nodes[primary].server,
               n.gtid_binlog_pos.empty() ? "the start" : n.gtid_binlog_pos);
  for (const auto& sql : rejoin_steps(nodes_[primary]->admin_options->endpoint))
    if (!(co_await run(i, sql)).ok()) co_return;
  nodes_[i]->restarted = false;
}

}  // namespace foobar::db
