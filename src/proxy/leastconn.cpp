// Least connections: the candidate with the fewest in-flight requests per unit
// of weight (counted over all workers). Ties rotate so that an idle group
// still spreads requests instead of always picking the first server.
#include "proxy/balancer.hpp"

namespace foobar::proxy {
namespace {

class LeastConn final : public Balancer {
 public:
  explicit LeastConn(const UpstreamGroup& g) : group_(g) {}

  std::optional<std::uint32_t> pick(std::span<const std::uint32_t> candidates, std::uint64_t) override {
    if (candidates.empty()) return std::nullopt;
    const std::size_t n = candidates.size();
    const std::size_t start = next_++ % n;
    std::uint32_t best = candidates[start];
    for (std::size_t k = 1; k < n; ++k) {
      const auto i = candidates[(start + k) % n];
      // a/wa < b/wb  <=>  a*wb < b*wa  (no division, exact)
      if (load(i) * weight(best) < load(best) * weight(i)) best = i;
    }
    return best;
  }

 private:
  std::int64_t load(std::uint32_t i) const {
    return group_.counters(i).active.load(std::memory_order_relaxed);
  }
  std::int64_t weight(std::uint32_t i) const { return group_.servers()[i].weight; }

  const UpstreamGroup& group_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Balancer> make_leastconn(const UpstreamGroup& group) {
  return std::make_unique<LeastConn>(group);
}

}  // namespace foobar::proxy
