#include "net/address.hpp"

#include <gtest/gtest.h>

namespace foobar::net {
namespace {

std::string listen(std::string_view text) {
  auto a = Address::parse(text, Address::Use::Listen);
  return a ? a->str() : "invalid";
}
std::string connect(std::string_view text) {
  auto a = Address::parse(text, Address::Use::Connect);
  return a ? a->str() : "invalid";
}

}  // namespace

TEST(Address, ParsesNumericAddresses) {
  EXPECT_EQ(listen("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(listen("[::1]:80"), "[::1]:80");
  EXPECT_EQ(listen("*:80"), "0.0.0.0:80");
  EXPECT_EQ(listen("localhost:0"), "127.0.0.1:0");
  EXPECT_EQ(listen("8404"), "127.0.0.1:8404");  // loopback by default, never every interface
  EXPECT_EQ(connect("10.0.0.7:3306"), "10.0.0.7:3306");
  EXPECT_EQ(connect("[::1]:4000"), "[::1]:4000");
  EXPECT_EQ(connect("localhost:80"), "127.0.0.1:80");
}

TEST(Address, ConnectNeedsAConcreteHostAndPort) {
  for (const char* text : {"*:80", "0.0.0.0:80", "[::]:80", "127.0.0.1:0", "8404"})
    EXPECT_EQ(connect(text), "invalid") << text;
}

TEST(Address, RejectsGarbageSayingWhy) {
  for (const char* bad : {"", "99999", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "host.example:80",
                          "127.0.0.1:80x", "[::1:80", "[::1]80", ":x"}) {
    for (auto use : {Address::Use::Listen, Address::Use::Connect}) {
      std::string why;
      EXPECT_FALSE(Address::parse(bad, use, &why)) << bad;
      EXPECT_FALSE(why.empty()) << bad;
    }
  }
  try {
    Address::parse_or_throw("db.example.com:3306", Address::Use::Connect);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "invalid address 'db.example.com:3306': host must be a numeric IPv4/IPv6 address (no DNS)");
  }
}

TEST(Address, ConfigErrorsNameFileLineAndKey) {
  auto f = core::ConfigFile::parse("[x]\n\nlisten = \"nowhere\"\n", "x.toml");
  try {
    read_address(*f.root().table("x"), "listen", Address::Use::Listen);
    FAIL();
  } catch (const core::ConfigError& e) {
    EXPECT_STREQ(e.what(), "x.toml:3: key 'x.listen': 'nowhere': expected HOST:PORT");
  }
  EXPECT_FALSE(read_address(*f.root().table("x"), "absent", Address::Use::Listen));
}

TEST(Address, LocalTargetOfEveryInterfaceIsLoopback) {
  EXPECT_EQ(Address::parse_or_throw("*:80", Address::Use::Listen).local_target().str(), "127.0.0.1:80");
  EXPECT_EQ(Address::parse_or_throw("[::]:80", Address::Use::Listen).local_target().str(), "[::1]:80");
  EXPECT_EQ(Address::parse_or_throw("10.1.2.3:80", Address::Use::Listen).local_target().str(), "10.1.2.3:80");
}

TEST(Address, FormatsIpsWithoutTheLibc) {
  char buf[kMaxAddressText];
  for (const char* text : {"0.0.0.0:1", "127.0.0.1:80", "10.20.30.40:5", "255.255.255.255:9", "1.100.9.199:1"}) {
    auto ep = Address::parse_or_throw(text, Address::Use::Listen).endpoint();
    EXPECT_EQ(format_ip(ep, buf), ep.address().to_string()) << text;
  }
  EXPECT_EQ(format_ip(Address::parse_or_throw("[::1]:80", Address::Use::Listen).endpoint(), buf), "::1");
}

}  // namespace foobar::net
