#include "db/roles.hpp"

#include <algorithm>

namespace foobar::db {

namespace {
std::vector<Gtid> pos(const std::string& text) { return parse_gtid_pos(text).value_or(std::vector<Gtid>{}); }

std::uint64_t seq_sum(const std::vector<Gtid>& p) {
  std::uint64_t s = 0;
  for (const auto& g : p) s += g.seq;
  return s;
}
}  // namespace

std::vector<Gtid> received_position(const ServerHealth& n) {
  return latest(latest(pos(n.gtid_io_pos), pos(n.gtid_slave_pos)), pos(n.gtid_binlog_pos));
}

bool history_included(const ServerHealth& node, const ServerHealth& primary, std::string& why) {
  auto mine = pos(node.gtid_binlog_pos);
  auto theirs = pos(primary.gtid_binlog_state);
  for (const Gtid& g : mine)
    if (!holds(theirs, {g})) {
      why = "holds " + g.str() + ", which the primary " + primary.server + " does not have";
      return false;
    }
  return true;
}

void assign_roles(ClusterHealth& h, std::optional<std::size_t> previous, std::size_t configured) {
  h.quarantined.resize(h.nodes.size());
  h.writes_refused.clear();
  h.writes_wait = false;
  const bool roles_known = std::any_of(h.nodes.begin(), h.nodes.end(), [](const ServerHealth& n) { return n.role_known; });
  if (!roles_known) {
    // No monitor user: the configured primary is the primary, whatever happens.
    h.primary = configured < h.nodes.size() ? std::optional<std::size_t>(configured) : std::nullopt;
  } else {
    std::vector<std::size_t> writable;
    for (std::size_t i = 0; i < h.nodes.size(); ++i)
      if (h.nodes[i].up && h.nodes[i].writable && h.quarantined[i].empty()) writable.push_back(i);
    if (writable.size() == 1) {
      h.primary = writable[0];
    } else if (writable.size() > 1) {
      // Two writable nodes: an old primary back from a partition. The primary is
      // the one the replicas follow (the leader fences the other at once).
      auto followers = [&](std::size_t i) {
        return std::count_if(h.nodes.begin(), h.nodes.end(), [&](const ServerHealth& n) {
          return n.master == h.nodes[i].server && n.io_state != "No" && !n.io_state.empty();
        });
      };
      auto better = [&](std::size_t a, std::size_t b) {
        if (followers(a) != followers(b)) return followers(a) > followers(b);
        if (previous && (a == *previous) != (b == *previous)) return a == *previous;
        return seq_sum(pos(h.nodes[a].gtid_binlog_pos)) > seq_sum(pos(h.nodes[b].gtid_binlog_pos));
      };
      h.primary = *std::min_element(writable.begin(), writable.end(), better);
    } else {
      h.primary = previous ? previous : std::optional<std::size_t>(configured);
    }
  }

  const ServerHealth* p = h.primary_health();
  const bool primary_writable = p && p->up && (!roles_known || p->writable);
  if (!p) {
    h.writes_refused = "no primary";
  } else if (!p->checked) {
    // Not looked at yet (start-up): let the write try.
  } else if (!p->up) {
    h.writes_refused = "primary " + p->server + " unreachable";
  } else if (!primary_writable) {
    // Reachable but read-only: a switchover or failover is under way.
    h.writes_refused = "primary " + p->server + " is read-only";
    h.writes_wait = true;
  } else if (p->semi_sync_master) {
    // It would hold every commit until a replica acknowledges it: refuse rather
    // than hang, and never fall back to an acknowledgement from one machine.
    // The primary's own count lags a replica cut off silently (its dump thread
    // notices late), so a replica must also be seen connected to it from here.
    const bool seen = std::any_of(h.nodes.begin(), h.nodes.end(), [&](const ServerHealth& n) {
      return !n.checked || (n.up && n.io_connected && n.master == p->server);
    });
    if ((p->semi_sync_clients && *p->semi_sync_clients == 0) || !seen) {
      h.writes_refused = "no replica acknowledges writes on " + p->server;
      // Right after a change of primary its replicas are still connecting: a
      // write waits a moment (write_wait) for one rather than fail at once.
      // With no replica reachable there is nothing to wait for.
      for (std::size_t i = 0; i < h.nodes.size(); ++i)
        if (i != *h.primary && h.nodes[i].up && h.quarantined[i].empty()) h.writes_wait = true;
    }
  }

  for (std::size_t i = 0; i < h.nodes.size(); ++i) {
    ServerHealth& n = h.nodes[i];
    if (h.primary && *h.primary == i) {
      n.healthy = primary_writable;
      n.reason = primary_writable ? "" : h.writes_refused;
      continue;
    }
    if (!h.quarantined[i].empty()) {
      n.healthy = false;
      n.reason = "quarantined: " + h.quarantined[i];
      continue;
    }
    if (!n.up || !roles_known || !p) continue;  // assess_replica's verdict stands
    if (primary_writable && n.master != p->server) {
      n.healthy = false;
      n.reason = n.master.empty() ? "not replicating" : "replicates from " + n.master + ", not from the primary";
    } else if (!primary_writable && !n.healthy && n.status_known) {
      // No primary takes writes: nothing newer can be written meanwhile, and a
      // replica's answer, even a lagging one, beats none (reads of a client's
      // own write still wait for it or fail: db/cluster.cpp).
      n.healthy = true;
      n.reason.clear();
    }
  }
}

}  // namespace foobar::db
