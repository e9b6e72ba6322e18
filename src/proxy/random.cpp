// Power of two choices: two random candidates (drawn by weight), the one with
// fewer in-flight requests per unit of weight wins. Nearly as even as
// leastconn without scanning every server, and no herd on the least loaded one.
#include <random>

#include "proxy/balancer.hpp"

namespace foobar::proxy {
namespace {

class Random final : public Balancer {
 public:
  explicit Random(const UpstreamGroup& g) : group_(g), rng_(std::random_device{}()) {}

  std::optional<std::uint32_t> pick(std::span<const std::uint32_t> candidates, std::uint64_t) override {
    if (candidates.empty()) return std::nullopt;
    if (candidates.size() == 1) return candidates[0];
    const auto a = draw(candidates);
    auto b = draw(candidates);
    for (int tries = 0; b == a && tries < 4; ++tries) b = draw(candidates);
    return load(a) * weight(b) <= load(b) * weight(a) ? a : b;
  }

 private:
  std::uint32_t draw(std::span<const std::uint32_t> c) {
    std::uint64_t total = 0;
    for (auto i : c) total += static_cast<std::uint64_t>(weight(i));
    std::uint64_t r = std::uniform_int_distribution<std::uint64_t>(0, total - 1)(rng_);
    for (auto i : c) {
      const auto w = static_cast<std::uint64_t>(weight(i));
      if (r < w) return i;
      r -= w;
    }
    return c.back();
  }
  std::int64_t load(std::uint32_t i) const {
    return group_.counters(i).active.load(std::memory_order_relaxed);
  }
  std::int64_t weight(std::uint32_t i) const { return group_.servers()[i].weight; }

  const UpstreamGroup& group_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Balancer> make_random(const UpstreamGroup& group) {
  return std::make_unique<Random>(group);
}

}  // namespace foobar::proxy
