#include "lb/client_table.hpp"

#include <gtest/gtest.h>

#include "http/message.hpp"
#include "lb/client_limits.hpp"

using namespace foobar;
using lb::ClientTable;
using lb::Rate;

namespace {
asio::ip::address ip(const char* s) { return asio::ip::make_address(s); }
constexpr std::int64_t kSecond = 1'000'000'000;
}  // namespace

TEST(ClientTable, ABucketRefillsAtItsRateUpToItsBurst) {
  ClientTable t(64, {Rate{}, Rate{2, 3}});
  const auto a = ip("192.0.2.1");
  std::int64_t now = kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.take(a, 0b10, now), 0) << i;
  EXPECT_NEAR(t.take(a, 0b10, now), 0.5, 1e-6) << "half a second until the next token at 2/s";
  EXPECT_EQ(t.take(ip("192.0.2.2"), 0b10, now), 0) << "another client has its own bucket";
  now += kSecond / 2;
  EXPECT_EQ(t.take(a, 0b10, now), 0);
  EXPECT_GT(t.take(a, 0b10, now), 0);
  now += 60 * kSecond;  // a long pause refills to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.take(a, 0b10, now), 0);
  EXPECT_GT(t.take(a, 0b10, now), 0);
}

TEST(ClientTable, ARefusalTakesNothingFromTheOtherBuckets) {
  ClientTable t(64, {Rate{}, Rate{100, 100}, Rate{1, 1}});
  const auto a = ip("192.0.2.1");
  EXPECT_EQ(t.take(a, 0b110, kSecond), 0);
  for (int i = 0; i < 99; ++i) EXPECT_GT(t.take(a, 0b110, kSecond), 0);  // the rule refuses
  for (int i = 0; i < 99; ++i) EXPECT_EQ(t.take(a, 0b010, kSecond), 0) << "refusals cost the general bucket nothing";
}

TEST(ClientTable, OpenConnectionsAreCappedAndCountedDown) {
  ClientTable t(64, {Rate{1, 2}});
  const auto a = ip("2001:db8:1:2::1");
  EXPECT_EQ(t.open(a, 2, ClientTable::kBuckets, 1), ClientTable::Open::Yes);
  EXPECT_EQ(t.open(ip("2001:db8:1:2::ffff"), 2, ClientTable::kBuckets, 1), ClientTable::Open::Yes);
  EXPECT_EQ(t.open(a, 2, ClientTable::kBuckets, 1), ClientTable::Open::TooMany) << "one /64 is one client";
  EXPECT_EQ(t.open(ip("2001:db8:1:3::1"), 2, ClientTable::kBuckets, 1), ClientTable::Open::Yes);
  t.closed(a);
  EXPECT_EQ(t.open(a, 2, ClientTable::kBuckets, 1), ClientTable::Open::Yes);
  // The connection-rate bucket: a burst of 2 at 1/s.
  const auto b = ip("198.51.100.7");
  EXPECT_EQ(t.open(b, 0, 0, kSecond), ClientTable::Open::Yes);
  EXPECT_EQ(t.open(b, 0, 0, kSecond), ClientTable::Open::Yes);
  EXPECT_EQ(t.open(b, 0, 0, kSecond), ClientTable::Open::TooFast);
  EXPECT_EQ(t.open(b, 0, 0, 2 * kSecond), ClientTable::Open::Yes);
  EXPECT_EQ(t.open(ip("::ffff:198.51.100.7"), 0, 0, 2 * kSecond), ClientTable::Open::TooFast)
      << "an IPv4-mapped address is the IPv4 client";
}

TEST(ClientTable, AFullTableEvictsTheLeastRecentlySeen) {
  ClientTable t(16, {Rate{}, Rate{1, 1}});
  EXPECT_EQ(t.capacity(), 16u);
  for (unsigned i = 0; i < 10000; ++i) {
    const auto a = asio::ip::address(asio::ip::address_v4(0x0a000000u + i));
    EXPECT_EQ(t.take(a, 0b10, kSecond + i), 0) << "a new client starts with a full bucket";
  }
  EXPECT_EQ(t.in_use(), 16u);
  EXPECT_EQ(t.evictions(), 10000u - 16u);
  // The newest client is still known: its bucket stays empty.
  EXPECT_GT(t.take(asio::ip::address(asio::ip::address_v4(0x0a000000u + 9999)), 0b10, kSecond + 10000), 0);
}

TEST(ClientAddress, XForwardedForIsBelievedOnlyFromTrustedPeers) {
  const std::vector<net::Subnet> trusted{*net::Subnet::parse("10.0.0.0/8")};
  http::Request req;
  const std::string xff = "203.0.113.5, 198.51.100.9, 10.1.1.1";
  req.headers.fields.push_back({"X-Forwarded-For", xff});
  EXPECT_EQ(lb::client_address(req, ip("192.0.2.1"), trusted), ip("192.0.2.1")) << "untrusted peer";
  EXPECT_EQ(lb::client_address(req, ip("10.0.0.2"), trusted), ip("198.51.100.9"))
      << "the nearest untrusted hop, not the leftmost (which the client wrote)";
  const std::string junk = "203.0.113.5, not-an-ip";
  req.headers.fields[0].value = junk;
  EXPECT_EQ(lb::client_address(req, ip("10.0.0.2"), trusted), ip("10.0.0.2")) << "garbage: the peer";
  req.headers.fields.clear();
  EXPECT_EQ(lb::client_address(req, ip("10.0.0.2"), trusted), ip("10.0.0.2"));
}
