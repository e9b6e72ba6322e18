#include "http/request_ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "http/message.hpp"

namespace foobar::http {
namespace {

Headers with(std::vector<Header> fields) {
  Headers h;
  h.fields = std::move(fields);
  return h;
}

TEST(RequestIds, TheClientsAreKeptWhenValid) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto h = with({{"X-Request-ID", "abc-123:x.y_z"}, {"traceparent", tp}});
  RequestIds ids;
  ids.assign(h);
  EXPECT_EQ(ids.request_id(), "abc-123:x.y_z");
  EXPECT_EQ(ids.traceparent(), tp);
  EXPECT_EQ(ids.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(RequestIds, OthersAreReplacedByFreshOnes) {
  const std::regex id("[0-9a-f]{32}"), tp("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
  std::set<std::string> seen;
  const std::string too_long(129, 'a');
  for (std::string_view bad : {std::string_view(""), std::string_view("has space"), std::string_view("quote\""),
                               std::string_view(too_long)}) {
    for (const char* bad_tp : {"", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                               "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                               "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
      auto h = with({{"X-Request-ID", bad}, {"traceparent", bad_tp}});
      RequestIds ids;
      ids.assign(h);
      EXPECT_TRUE(std::regex_match(std::string(ids.request_id()), id)) << ids.request_id();
      EXPECT_TRUE(std::regex_match(std::string(ids.traceparent()), tp)) << ids.traceparent();
      seen.insert(std::string(ids.request_id()));
    }
  }
  EXPECT_EQ(seen.size(), 16u);  // a new id each time
}

}  // namespace
}  // namespace foobar::http
