// Every branch of the proxy's retry decision (HAProxy's rules, see retry_policy.hpp).
#include "proxy/retry_policy.hpp"

#include <gtest/gtest.h>

namespace foobar::proxy {
namespace {

constexpr Attempt kFreshGet{.reused = false, .idempotent = true, .streamed = false};
constexpr Attempt kPooledGet{.reused = true, .idempotent = true, .streamed = false};
constexpr Attempt kFreshPost{.reused = false, .idempotent = false, .streamed = false};
constexpr Attempt kPooledPost{.reused = true, .idempotent = false, .streamed = false};
constexpr Attempt kStreamedPut{.reused = false, .idempotent = true, .streamed = true};

}  // namespace

TEST(RetryPolicy, ConnectFailureGoesElsewhereForAnyMethod) {
  for (auto a : {kFreshGet, kFreshPost, kStreamedPut}) {
    auto d = decide(Failure::Connect, a);
    EXPECT_EQ(d.next, Next::OtherServer);
    EXPECT_EQ(d.status, 503);  // when no server is left
    EXPECT_TRUE(d.server_error);
    EXPECT_TRUE(d.mark_failed);
  }
}

TEST(RetryPolicy, StalePooledConnectionIsRetriedFreshAndNotBlamed) {
  for (auto f : {Failure::Send, Failure::NoResponse}) {
    auto d = decide(f, kPooledGet);
    EXPECT_EQ(d.next, Next::FreshConnection);
    EXPECT_FALSE(d.server_error);
    EXPECT_FALSE(d.mark_failed);
  }
}

TEST(RetryPolicy, ResendableRequestOnAFreshConnectionTriesAnotherServer) {
  for (auto f : {Failure::Send, Failure::NoResponse}) {
    auto d = decide(f, kFreshGet);
    EXPECT_EQ(d.next, Next::OtherServer);
    EXPECT_EQ(d.status, 502);
    EXPECT_TRUE(d.server_error);
    EXPECT_TRUE(d.mark_failed);
  }
}

TEST(RetryPolicy, NonIdempotentRequestThatMayHaveArrivedIsNeverResent) {
  for (auto f : {Failure::Send, Failure::NoResponse}) {
    for (auto a : {kFreshPost, kPooledPost}) {
      auto d = decide(f, a);
      EXPECT_EQ(d.next, Next::Fail);
      EXPECT_EQ(d.status, 502);
      EXPECT_TRUE(d.server_error);
      EXPECT_EQ(d.mark_failed, !a.reused);  // a pooled connection's loss is not the server's fault
      EXPECT_FALSE(d.close);               // its body was read: the client connection survives
    }
  }
}

TEST(RetryPolicy, StreamedBodyCannotBeSentAgainAndClosesTheClient) {
  for (auto f : {Failure::Send, Failure::NoResponse}) {
    auto d = decide(f, kStreamedPut);
    EXPECT_EQ(d.next, Next::Fail);
    EXPECT_TRUE(d.close);
  }
}

TEST(RetryPolicy, BadResponseFailsWithItsStatus) {
  EXPECT_EQ(decide(Failure::BadResponse, kFreshGet, 504).status, 504);
  auto d = decide(Failure::BadResponse, kPooledGet);
  EXPECT_EQ(d.next, Next::Fail);
  EXPECT_EQ(d.status, 502);
  EXPECT_TRUE(d.server_error);
  EXPECT_FALSE(d.mark_failed);
  EXPECT_TRUE(decide(Failure::BadResponse, kStreamedPut).close);
}

}  // namespace foobar::proxy
