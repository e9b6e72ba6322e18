#pragma once
// MariaDB global transaction IDs ("domain-server-seq") and GTID positions
// (a comma-separated list, one GTID per replication domain).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foobar::db {

struct Gtid {
  std::uint32_t domain = 0;
  std::uint32_t server = 0;
  std::uint64_t seq = 0;

  std::string str() const;
  friend bool operator==(const Gtid&, const Gtid&) = default;
};

// Parses exactly "D-S-N" (decimal, no spaces); nullopt otherwise. Used on
// cookie values, so it accepts nothing else.
std::optional<Gtid> parse_gtid(std::string_view text);

// Parses a position such as "0-1-42,1-2-7" (empty string -> empty position);
// nullopt if any element is malformed.
std::optional<std::vector<Gtid>> parse_gtid_pos(std::string_view text);

// Whether a server at position pos has applied gtid (same domain, seq >= gtid.seq).
bool covers(const std::vector<Gtid>& pos, const Gtid& gtid) noexcept;

// Whether position a is at or past position b in every domain b names.
bool includes(const std::vector<Gtid>& a, const std::vector<Gtid>& b) noexcept;

// The later of two positions, domain by domain.
std::vector<Gtid> latest(std::vector<Gtid> a, const std::vector<Gtid>& b);

// Whether a server whose gtid_binlog_state is `state` holds every transaction up
// to `pos` (another server's gtid_binlog_pos): for each of pos's GTIDs, state has
// the same domain and server id at that sequence number or later. Under
// gtid_strict_mode one server's GTIDs in a domain form one ordered stream, so
// this is false exactly when pos has a transaction that state's history lacks.
bool holds(const std::vector<Gtid>& state, const std::vector<Gtid>& pos) noexcept;

// Whether two positions name the same transactions (order-insensitive).
bool same_pos(const std::vector<Gtid>& a, const std::vector<Gtid>& b) noexcept;

}  // namespace foobar::db
