#include "proxy/balancer.hpp"

namespace foobar::proxy {

std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept {
  if (name == "roundrobin") return Algorithm::RoundRobin;
  if (name == "leastconn") return Algorithm::LeastConn;
  if (name == "source") return Algorithm::Source;
  if (name == "random") return Algorithm::Random;
  return std::nullopt;
}

std::string_view to_string(Algorithm a) noexcept {
  switch (a) {
    case Algorithm::RoundRobin: return "roundrobin";
    case Algorithm::LeastConn: return "leastconn";
    case Algorithm::Source: return "source";
    case Algorithm::Random: return "random";
  }
  return "?";
}

std::unique_ptr<Balancer> make_balancer(Algorithm a, const UpstreamGroup& group) {
  switch (a) {
    case Algorithm::RoundRobin: return make_roundrobin(group);
    case Algorithm::LeastConn: return make_leastconn(group);
    case Algorithm::Source: return make_source(group);
    case Algorithm::Random: return make_random(group);
  }
  return make_roundrobin(group);
}

}  // namespace foobar::proxy
