#include "net/subnet.hpp"

#include <gtest/gtest.h>

using foobar::net::Subnet;
namespace asio = boost::asio;

TEST(Subnet, ParsesAndContains) {
  auto s = Subnet::parse("10.1.2.3/8");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->str(), "10.0.0.0/8");
  EXPECT_TRUE(s->contains(asio::ip::make_address("10.255.0.1")));
  EXPECT_TRUE(s->contains(asio::ip::make_address("::ffff:10.9.9.9"))) << "IPv4-mapped";
  EXPECT_FALSE(s->contains(asio::ip::make_address("11.0.0.1")));
  EXPECT_FALSE(s->contains(asio::ip::make_address("::1")));
  auto host = Subnet::parse("192.0.2.7");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->str(), "192.0.2.7/32");
  EXPECT_FALSE(host->contains(asio::ip::make_address("192.0.2.8")));
  auto v6 = Subnet::parse("2001:db8:abcd::/36");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(asio::ip::make_address("2001:db8:a000::1")));
  EXPECT_FALSE(v6->contains(asio::ip::make_address("2001:db8:b000::1")));
  EXPECT_TRUE(Subnet::parse("0.0.0.0/0")->contains(asio::ip::make_address("8.8.8.8")));
}

TEST(Subnet, RejectsWithAReason) {
  std::string why;
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "localhost", "10.0.0.0/8x", "10.0.0.0/-1"}) {
    EXPECT_FALSE(Subnet::parse(bad, &why)) << bad;
    EXPECT_NE(why.find("invalid subnet"), std::string::npos) << why;
  }
}
