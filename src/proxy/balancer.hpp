#pragma once
// The balancing interface: pick one server among candidates. One instance per
// worker thread (algorithms keep per-thread state, no locks); every algorithm
// lives in its own file and is built by make_balancer().
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "proxy/upstream.hpp"

namespace foobar::proxy {

enum class Algorithm : std::uint8_t { RoundRobin, LeastConn, Source, Random };

// Parses "roundrobin", "leastconn", "source" or "random"; nullopt otherwise.
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;
std::string_view to_string(Algorithm a) noexcept;

class Balancer {
 public:
  virtual ~Balancer() = default;
  // Returns one of candidates (indices into group.servers()), or nullopt when
  // candidates is empty. key is a hash of the client address (used by source).
  virtual std::optional<std::uint32_t> pick(std::span<const std::uint32_t> candidates,
                                            std::uint64_t key) = 0;
};

// A balancer for group (which must outlive it).
std::unique_ptr<Balancer> make_balancer(Algorithm a, const UpstreamGroup& group);

std::unique_ptr<Balancer> make_roundrobin(const UpstreamGroup& group);
std::unique_ptr<Balancer> make_leastconn(const UpstreamGroup& group);
std::unique_ptr<Balancer> make_source(const UpstreamGroup& group);
std::unique_ptr<Balancer> make_random(const UpstreamGroup& group);

// 64-bit mix (splitmix64 finalizer): spreads close inputs over the whole range.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27; x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace foobar::proxy
