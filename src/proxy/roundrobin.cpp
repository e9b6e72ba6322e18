// Smooth weighted round robin (nginx): each pick adds every candidate's weight
// to its running score, takes the highest and subtracts the total from it.
// Equal weights give a strict rotation; weights 5:1:1 give a,a,b,a,c,a,a
// rather than bursts. Works over any subset of servers (down ones are skipped).
#include <vector>

#include "proxy/balancer.hpp"

namespace foobar::proxy {
namespace {

class RoundRobin final : public Balancer {
 public:
  explicit RoundRobin(const UpstreamGroup& g) : group_(g), score_(g.size(), 0) {}

  std::optional<std::uint32_t> pick(std::span<const std::uint32_t> candidates, std::uint64_t) override {
    if (candidates.empty()) return std::nullopt;
    if (candidates.size() == 1) return candidates[0];
    std::int64_t total = 0;
    std::uint32_t best = candidates[0];
    for (auto i : candidates) {
      const auto w = static_cast<std::int64_t>(group_.servers()[i].weight);
      score_[i] += w;
      total += w;
      if (score_[i] > score_[best]) best = i;
    }
    score_[best] -= total;
    return best;
  }

 private:
  const UpstreamGroup& group_;
  std::vector<std::int64_t> score_;
};

}  // namespace

std::unique_ptr<Balancer> make_roundrobin(const UpstreamGroup& group) {
  return std::make_unique<RoundRobin>(group);
}

}  // namespace foobar::proxy
