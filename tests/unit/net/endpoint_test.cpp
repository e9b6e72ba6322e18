#include "net/endpoint.hpp"

#include <gtest/gtest.h>

using foobar::net::parse_endpoint;

TEST(Endpoint, ParsesNumericAddresses) {
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("127.0.0.1:8080")), "127.0.0.1:8080");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("[::1]:80")), "[::1]:80");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("*:80")), "0.0.0.0:80");
  EXPECT_EQ(foobar::net::to_string(*parse_endpoint("localhost:0")), "127.0.0.1:0");
}

TEST(Endpoint, RejectsGarbage) {
  for (const char* bad : {"", "8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "host.example:80",
                          "127.0.0.1:80x", "[::1:80"}) {
    std::string why;
    EXPECT_FALSE(parse_endpoint(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}
