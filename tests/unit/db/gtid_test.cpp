#include "db/gtid.hpp"

#include <gtest/gtest.h>

namespace foobar::db {

TEST(Gtid, ParsesExactForm) {
  auto g = parse_gtid("0-1-42");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->domain, 0u);
  EXPECT_EQ(g->server, 1u);
  EXPECT_EQ(g->seq, 42u);
  EXPECT_EQ(g->str(), "0-1-42");
}

TEST(Gtid, RejectsAnythingElse) {
  for (const char* bad : {"", "0-1", "0-1-", "-1-2", "a-1-2", "0-1-2-3", "0-1-2 ", " 0-1-2", "0--1-2", "0-1-2;DROP",
                          "0-1-99999999999999999999999", "0-4294967296-1"})
    EXPECT_FALSE(parse_gtid(bad)) << bad;
}

TEST(Gtid, PositionAndCoverage) {
  auto pos = parse_gtid_pos("0-1-42,1-2-7");
  ASSERT_TRUE(pos);
  ASSERT_EQ(pos->size(), 2u);
  EXPECT_TRUE(covers(*pos, {0, 1, 42}));
  EXPECT_TRUE(covers(*pos, {0, 1, 41}));
  EXPECT_TRUE(covers(*pos, {0, 3, 40}));  // server id does not matter within a domain
  EXPECT_FALSE(covers(*pos, {0, 1, 43}));
  EXPECT_FALSE(covers(*pos, {2, 1, 1}));
  EXPECT_TRUE(parse_gtid_pos("")->empty());
  EXPECT_FALSE(parse_gtid_pos("0-1-2,x"));
  EXPECT_TRUE(same_pos(*parse_gtid_pos("1-2-7,0-1-42"), *pos));
  EXPECT_FALSE(same_pos(*parse_gtid_pos("0-1-42"), *pos));
}

}  // namespace foobar::db
