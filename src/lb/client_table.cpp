#include "lb/client_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <stdexcept>

#include "net/subnet.hpp"

namespace foobar::lb {

namespace {

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

ClientTable::ClientTable(std::size_t capacity, std::vector<Rate> rates)
    : entries_(std::bit_ceil(std::max(capacity, kWays))), rates_(std::move(rates)), sets_(entries_.size() / kWays) {
  if (rates_.size() > kBuckets) throw std::invalid_argument("too many rate limits");
  // A seed the clients cannot guess, so no one can aim many addresses at one set.
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) ^ rd();
}

std::array<std::uint64_t, 2> ClientTable::key_of(const asio::ip::address& raw) noexcept {
  const auto a = net::unmapped(raw);
  if (a.is_v4()) return {1, a.to_v4().to_uint()};
  const auto b = a.to_v6().to_bytes();
  std::uint64_t prefix;  // the /64 a client is usually given
  std::memcpy(&prefix, b.data(), sizeof prefix);
  return {2, prefix};
}

std::size_t ClientTable::set_of(const std::array<std::uint64_t, 2>& key) const noexcept {
  return mix(key[1] ^ mix(key[0] ^ seed_)) & (sets_ - 1);
}

ClientTable::Entry* ClientTable::find(const std::array<std::uint64_t, 2>& key, std::size_t set) noexcept {
  Entry* ways = &entries_[set * kWays];
  for (std::size_t i = 0; i < kWays; ++i)
    if (ways[i].seen_ns != 0 && ways[i].key == key) return &ways[i];
  return nullptr;
}

ClientTable::Entry& ClientTable::find_or_claim(const std::array<std::uint64_t, 2>& key, std::size_t set,
                                               std::int64_t now_ns) {
  now_ns = std::max<std::int64_t>(now_ns, 1);
  Entry* e = find(key, set);
  if (e) {
    const double dt = static_cast<double>(now_ns - e->seen_ns) / 1e9;
    for (std::size_t i = 0; i < rates_.size(); ++i)
      if (rates_[i].on())
        e->tokens[i] = static_cast<float>(std::min(rates_[i].burst, e->tokens[i] + dt * rates_[i].per_second));
  } else {
    Entry* ways = &entries_[set * kWays];
    e = std::min_element(ways, ways + kWays, [](const Entry& a, const Entry& b) { return a.seen_ns < b.seen_ns; });
    if (e->seen_ns == 0)
      in_use_.fetch_add(1, std::memory_order_relaxed);
    else
      evictions_.fetch_add(1, std::memory_order_relaxed);
    *e = Entry{};
    e->key = key;
    for (std::size_t i = 0; i < rates_.size(); ++i) e->tokens[i] = static_cast<float>(rates_[i].burst);
  }
  e->seen_ns = std::max(e->seen_ns, now_ns);
  return *e;
}

double ClientTable::take(const asio::ip::address& client, unsigned mask, std::int64_t now_ns) {
  const auto key = key_of(client);
  const auto set = set_of(key);
  std::lock_guard lock(lock_of(set));
  Entry& e = find_or_claim(key, set, now_ns);
  double wait = 0;
  for (std::size_t i = 0; i < rates_.size(); ++i)
    if ((mask >> i & 1u) && e.tokens[i] < 1) wait = std::max(wait, (1 - e.tokens[i]) / rates_[i].per_second);
  if (wait > 0) return wait;
  for (std::size_t i = 0; i < rates_.size(); ++i)
    if (mask >> i & 1u) e.tokens[i] -= 1;
  return 0;
}

ClientTable::Open ClientTable::open(const asio::ip::address& client, std::uint32_t max_open, std::size_t bucket,
                                    std::int64_t now_ns) {
  const auto key = key_of(client);
  const auto set = set_of(key);
  std::lock_guard lock(lock_of(set));
  Entry& e = find_or_claim(key, set, now_ns);
  if (max_open != 0 && e.open >= max_open) return Open::TooMany;
  if (bucket < rates_.size() && rates_[bucket].on()) {
    if (e.tokens[bucket] < 1) return Open::TooFast;
    e.tokens[bucket] -= 1;
  }
  ++e.open;
  return Open::Yes;
}

void ClientTable::closed(const asio::ip::address& client) noexcept {
  const auto key = key_of(client);
  const auto set = set_of(key);
  std::lock_guard lock(lock_of(set));
  if (Entry* e = find(key, set); e && e->open > 0) --e->open;  // evicted meanwhile: nothing to undo
}

}  // namespace foobar::lb
