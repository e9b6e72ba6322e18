// Source hashing by weighted rendezvous (highest random weight) hashing: every
// candidate gets a score from hash(client, server); the highest wins. When a
// server leaves, only the clients that scored it highest move (1/N of them),
// and they spread over the remaining servers. O(N) per pick, fine for the
// handful of servers an upstream group has.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "proxy/balancer.hpp"

namespace foobar::proxy {
namespace {

class Source final : public Balancer {
 public:
  explicit Source(const UpstreamGroup& g) : group_(g) {
    for (const auto& s : g.servers()) seeds_.push_back(mix64(std::hash<std::string>{}(s.name())));
  }

  std::optional<std::uint32_t> pick(std::span<const std::uint32_t> candidates, std::uint64_t key) override {
    if (candidates.empty()) return std::nullopt;
    std::uint32_t best = candidates[0];
    double best_score = -1;
    for (auto i : candidates) {
      // Weighted rendezvous: score = -w / ln(u), u uniform in (0,1).
      const std::uint64_t h = mix64(key ^ seeds_[i]);
      const double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // 2^53
      const double score = -static_cast<double>(group_.servers()[i].weight) / std::log(u);
      if (score > best_score) { best_score = score; best = i; }
    }
    return best;
  }

 private:
  const UpstreamGroup& group_;
  std::vector<std::uint64_t> seeds_;
};

}  // namespace

std::unique_ptr<Balancer> make_source(const UpstreamGroup& group) {
  return std::make_unique<Source>(group);
}

}  // namespace foobar::proxy
