#include "net/endpoint.hpp"

#include <gtest/gtest.h>

using foobar::net::parse_endpoint;

TEST(Endpoint, ParsesNumericAddresses) {
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("127.0.0.1:8080")), "127.0.0.1:8080");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("[::1]:80")), "[::1]:80");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("*:80")), "0.0.0.0:80");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("localhost:0")), "127.0.0.1:0");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("8404")), "127.0.0.1:8404");  // loopback by default
}

TEST(Endpoint, RejectsGarbage) {
  for (const char* bad : {"", "99999", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "host.example:80",
                          "127.0.0.1:80x", "[::1:80"}) {
    std::string why;
    EXPECT_FALSE(parse_endpoint(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(Endpoint, FormatsAddressesWithoutTheLibc) {
  char buf[foobar::net::kMaxAddressText];
  for (const char* text : {"0.0.0.0:1", "127.0.0.1:80", "10.20.30.40:5", "255.255.255.255:9", "1.100.9.199:1"}) {
    auto ep = *parse_endpoint(text);
    EXPECT_EQ(foobar::net::format_address(ep, buf), ep.address().to_string()) << text;
  }
  EXPECT_EQ(foobar::net::format_address(*parse_endpoint("[::1]:80"), buf), "::1");
}
