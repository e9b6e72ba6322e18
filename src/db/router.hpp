#pragma once
// Read/write routing decisions, as pure functions (no I/O) so they are easy to test.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace foobar::db {

enum class StatementKind { Read, Write };

// Read: SELECT (without FOR UPDATE / LOCK IN SHARE MODE), SHOW, DESCRIBE, EXPLAIN,
// WITH ... SELECT; anything else (DML, DDL, SET, BEGIN, CALL...) is a write.
StatementKind classify(std::string_view sql) noexcept;

struct ReplicaLoad {
  bool healthy = false;          // per the monitor snapshot
  bool available = true;         // this thread's pool is not in connect backoff
  std::size_t outstanding = 0;   // queries in flight or waiting on this thread
};

// Which server runs a statement: nullopt = the primary, else a replica index.
// Writes and everything inside a transaction go to the primary; autocommit reads
// go to the healthy, available replica with the fewest outstanding queries (ties:
// the lowest index after start, so equal loads rotate); no such replica -> primary.
std::optional<std::size_t> route(StatementKind kind, bool in_transaction, std::span<const ReplicaLoad> replicas,
                                 std::size_t start = 0) noexcept;

}  // namespace foobar::db
