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

// Whether two positions name the same transactions (order-insensitive).
bool same_pos(const std::vector<Gtid>& a, const std::vector<Gtid>& b) noexcept;

}  // namespace foobar::db
