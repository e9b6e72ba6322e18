#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "proxy/balancer.hpp"
#include "proxy/upstream.hpp"

using namespace foobar::proxy;

namespace {

std::vector<ServerConfig> servers(std::vector<unsigned> weights) {
  std::vector<ServerConfig> out;
  for (std::size_t i = 0; i < weights.size(); ++i)
  {
    ServerConfig s;
    s.address = foobar::net::Address::parse_or_throw("10.0.0." + std::to_string(i + 1) + ":80",
                                                     foobar::net::Address::Use::Connect);
    s.weight = weights[i];
    out.push_back(s);
  }
  return out;
}

std::vector<std::uint32_t> all(const UpstreamGroup& g) {
  std::vector<std::uint32_t> c(g.size());
  for (std::uint32_t i = 0; i < c.size(); ++i) c[i] = i;
  return c;
}

std::map<std::uint32_t, int> count(Balancer& b, std::span<const std::uint32_t> c, int n) {
  std::map<std::uint32_t, int> m;
  for (int i = 0; i < n; ++i) ++m[*b.pick(c, static_cast<std::uint64_t>(i))];
  return m;
}

}  // namespace

TEST(RoundRobin, EqualServersGetEqualSharesWithinOne) {
  UpstreamGroup g(servers({1, 1, 1}));
  auto b = make_roundrobin(g);
  auto c = all(g);
  for (int n : {1, 2, 3, 100, 1000, 1001}) {
    auto b2 = make_roundrobin(g);
    auto m = count(*b2, c, n);
    for (std::uint32_t i = 0; i < 3; ++i) {
      EXPECT_GE(m[i], n / 3) << n;
      EXPECT_LE(m[i], n / 3 + 1) << n;
    }
  }
  // Strict rotation: no server twice in a row.
  std::uint32_t last = 99;
  for (int i = 0; i < 30; ++i) {
    auto p = *b->pick(c, 0);
    EXPECT_NE(p, last);
    last = p;
  }
}

TEST(RoundRobin, WeightsAreProportionalAndSmooth) {
  UpstreamGroup g(servers({5, 1, 1}));
  auto b = make_roundrobin(g);
  auto c = all(g);
  std::vector<std::uint32_t> seq;
  for (int i = 0; i < 7; ++i) seq.push_back(*b->pick(c, 0));
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 0u), 5);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 1u), 1);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 2u), 1);
  // Smooth: the heavy server never gets more than 2 in a row with 5:1:1 (nginx: a a b a c a a).
  int run = 0, max_run = 0;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    run = (i > 0 && seq[i] == seq[i - 1]) ? run + 1 : 1;
    max_run = std::max(max_run, run);
  }
  EXPECT_LE(max_run, 2);
  auto m = count(*make_roundrobin(g), c, 700);
  EXPECT_EQ(m[0], 500);
  EXPECT_EQ(m[1], 100);
  EXPECT_EQ(m[2], 100);
}

TEST(RoundRobin, SkipsServersNotInCandidates) {
  UpstreamGroup g(servers({1, 1, 1}));
  auto b = make_roundrobin(g);
  std::vector<std::uint32_t> c{0, 2};
  auto m = count(*b, c, 100);
  EXPECT_EQ(m[0], 50);
  EXPECT_EQ(m[2], 50);
  EXPECT_EQ(m.count(1), 0u);
  EXPECT_FALSE(b->pick({}, 0).has_value());
}

TEST(LeastConn, PicksTheServerWithFewestActiveRequests) {
  UpstreamGroup g(servers({1, 1, 1}));
  auto b = make_leastconn(g);
  auto c = all(g);
  g.counters(0).active = 5;
  g.counters(1).active = 2;
  g.counters(2).active = 7;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(*b->pick(c, 0), 1u);
  // Weighted: 4 active on weight 4 (load 1) beats 2 active on weight 1.
  UpstreamGroup w(servers({4, 1}));
  auto bw = make_leastconn(w);
  w.counters(0).active = 4;
  w.counters(1).active = 2;
  EXPECT_EQ(*bw->pick(all(w), 0), 0u);
}

TEST(LeastConn, TiesRotate) {
  UpstreamGroup g(servers({1, 1, 1}));
  auto b = make_leastconn(g);
  auto m = count(*b, all(g), 300);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(m[i], 100);
}

TEST(LeastConn, SimulatedLoadFavoursFastServer) {
  // Server 0 holds each request for 10 picks, server 1 for 1 pick: leastconn
  // must send most requests to server 1.
  UpstreamGroup g(servers({1, 1}));
  auto b = make_leastconn(g);
  auto c = all(g);
  std::vector<std::pair<int, std::uint32_t>> inflight;  // (release tick, server)
  std::map<std::uint32_t, int> m;
  for (int t = 0; t < 1000; ++t) {
    std::erase_if(inflight, [&](auto& p) {
      if (p.first > t) return false;
      g.counters(p.second).active--;
      return true;
    });
    for (int k = 0; k < 2; ++k) {
      auto s = *b->pick(c, 0);
      ++m[s];
      g.counters(s).active++;
      inflight.push_back({t + (s == 0 ? 10 : 1), s});
    }
  }
  EXPECT_GT(m[1], 3 * m[0]);
}

TEST(Source, SameClientSameServer) {
  UpstreamGroup g(servers({1, 1, 1, 1}));
  auto b = make_source(g);
  auto b2 = make_source(g);  // another worker thread agrees
  auto c = all(g);
  for (std::uint64_t key = 0; key < 1000; ++key) {
    auto first = *b->pick(c, key * 7919);
    EXPECT_EQ(*b->pick(c, key * 7919), first);
    EXPECT_EQ(*b2->pick(c, key * 7919), first);
  }
}

TEST(Source, SpreadsClientsEvenly) {
  UpstreamGroup g(servers({1, 1, 1, 1}));
  auto b = make_source(g);
  auto m = count(*b, all(g), 8000);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_GT(m[i], 1700);
    EXPECT_LT(m[i], 2300);
  }
}

TEST(Source, LosingOneServerMovesOnlyItsClients) {
  UpstreamGroup g(servers({1, 1, 1, 1}));
  auto b = make_source(g);
  std::vector<std::uint32_t> before{0, 1, 2, 3}, after{0, 1, 3};
  int moved_from_2 = 0;
  for (std::uint64_t key = 0; key < 5000; ++key) {
    auto a = *b->pick(before, key);
    auto z = *b->pick(after, key);
    if (a == 2) {
      ++moved_from_2;
      EXPECT_NE(z, 2u);
    } else {
      EXPECT_EQ(a, z) << "client " << key << " moved although its server stayed";
    }
  }
  EXPECT_GT(moved_from_2, 1000);
  // And when it comes back, its clients return to it.
  for (std::uint64_t key = 0; key < 5000; ++key) EXPECT_EQ(*b->pick(before, key), *b->pick(before, key));
}

TEST(Source, WeightsShiftShares) {
  UpstreamGroup g(servers({3, 1}));
  auto b = make_source(g);
  auto m = count(*b, all(g), 8000);
  EXPECT_GT(m[0], 5600);  // ~6000
  EXPECT_LT(m[0], 6400);
}

TEST(Random, PowerOfTwoChoicesAvoidsLoadedServer) {
  UpstreamGroup g(servers({1, 1, 1}));
  auto b = make_random(g);
  auto c = all(g);
  g.counters(1).active = 100;
  auto m = count(*b, c, 3000);
  // Server 1 only wins when both draws hit it (rare; the redraw makes it rarer).
  EXPECT_LT(m[1], 100);
  EXPECT_GT(m[0], 1000);
  EXPECT_GT(m[2], 1000);
  g.counters(1).active = 0;
  auto m2 = count(*b, c, 3000);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_GT(m2[i], 700);
}

TEST(Algorithm, ParsesNames) {
  EXPECT_EQ(parse_algorithm("roundrobin"), Algorithm::RoundRobin);
  EXPECT_EQ(parse_algorithm("leastconn"), Algorithm::LeastConn);
  EXPECT_EQ(parse_algorithm("source"), Algorithm::Source);
  EXPECT_EQ(parse_algorithm("random"), Algorithm::Random);
  EXPECT_FALSE(parse_algorithm("rr").has_value());
  for (auto a : {Algorithm::RoundRobin, Algorithm::LeastConn, Algorithm::Source, Algorithm::Random})
    EXPECT_EQ(parse_algorithm(to_string(a)), a);
}
