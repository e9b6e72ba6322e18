#pragma once
// Per-client state of the lb's abuse limits: token buckets and open
// connections for each client address (IPv4 /32, IPv6 /64), in a table of
// fixed size allocated at start-up, shared by every worker.
//
// Set-associative (8 entries a set, as a CPU cache): a client maps to one set
// by a seeded hash; a new client takes a free entry of its set or evicts the
// one seen least recently. Memory never grows with the number of addresses.
// An evicted client starts again with full buckets and no connections counted:
// when the table is too small the limits loosen for the oldest clients, they
// never refuse one that is within them. Each set is guarded by one of a few
// striped locks, held for a handful of arithmetic operations.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/asio.hpp"

namespace foobar::lb {

struct Rate {
  double per_second = 0;  // 0: no limit
  double burst = 0;       // bucket size (at least 1)
  bool on() const noexcept { return per_second > 0; }
};

class ClientTable {
 public:
  static constexpr std::size_t kBuckets = 8;  // token buckets per client
  static constexpr std::size_t kWays = 8;     // entries per set

  // capacity: clients kept (rounded up to a power of two, at least kWays);
  // rates[i]: the refill of bucket i (at most kBuckets).
  ClientTable(std::size_t capacity, std::vector<Rate> rates);

  static std::array<std::uint64_t, 2> key_of(const asio::ip::address& a) noexcept;

  // Takes a token from every bucket in mask (bit i: bucket i) if each has one;
  // else takes none and returns the seconds until the emptiest has one (> 0).
  double take(const asio::ip::address& client, unsigned mask, std::int64_t now_ns);
  // A new connection: TooMany when it would exceed max_open (0: no cap),
  // TooFast when bucket (if below kBuckets) is empty. On Yes, call closed() later.
  enum class Open { Yes, TooMany, TooFast };
  Open open(const asio::ip::address& client, std::uint32_t max_open, std::size_t bucket, std::int64_t now_ns);
  void closed(const asio::ip::address& client) noexcept;

  std::size_t capacity() const noexcept { return entries_.size(); }
  std::size_t in_use() const noexcept { return in_use_.load(std::memory_order_relaxed); }
  std::uint64_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct Entry {  // 64 bytes: one cache line
    std::array<std::uint64_t, 2> key{};
    std::int64_t seen_ns = 0;  // 0: free
    std::uint32_t open = 0;
    std::uint32_t pad = 0;
    std::array<float, kBuckets> tokens{};
  };
  static_assert(sizeof(Entry) == 64);

  std::size_t set_of(const std::array<std::uint64_t, 2>& key) const noexcept;
  std::mutex& lock_of(std::size_t set) noexcept { return locks_[set % locks_.size()]; }
  // The client's entry in its set (found, free or evicted), buckets refilled to now.
  Entry& find_or_claim(const std::array<std::uint64_t, 2>& key, std::size_t set, std::int64_t now_ns);
  Entry* find(const std::array<std::uint64_t, 2>& key, std::size_t set) noexcept;

  std::vector<Entry> entries_;
  std::vector<Rate> rates_;
  std::uint64_t seed_;
  std::size_t sets_;
  std::array<std::mutex, 64> locks_;
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace foobar::lb
