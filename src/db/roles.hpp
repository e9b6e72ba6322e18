#pragma once
// Who is primary, who may take reads, and whether writes are open, derived
// from every node's latest check (pure; unit-tested). Run on each new snapshot.
#include <cstddef>

#include "db/health.hpp"

namespace foobar::db {

// Sets h.primary, each node's healthy and reason, h.writes_refused and
// h.writes_wait. previous is the primary of the snapshot before (kept while no
// node is writable, so a lost primary stays named); configured is the primary
// named in the configuration, used while the nodes' roles are unknown (no
// monitor user).
void assign_roles(ClusterHealth& h, std::optional<std::size_t> previous, std::size_t configured = 0);

// Whether node's history is part of primary's: it holds no transaction the
// primary lacks (db/gtid.hpp holds). why names the first foreign GTID.
bool history_included(const ServerHealth& node, const ServerHealth& primary, std::string& why);

// Everything the node has, received or applied or written: the position a
// promotion must not go behind.
std::vector<Gtid> received_position(const ServerHealth& node);

}  // namespace foobar::db
