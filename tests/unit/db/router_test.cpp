#include "db/router.hpp"

#include <gtest/gtest.h>

#include <vector>


namespace foobar::db {

TEST(Classify, ReadsAndWrites) {
  EXPECT_EQ(classify("SELECT 1"), StatementKind::Read);
  EXPECT_EQ(classify("  select * from posts"), StatementKind::Read);
  EXPECT_EQ(classify("/* hint */ SELECT id FROM posts"), StatementKind::Read);
  EXPECT_EQ(classify("(SELECT 1) UNION (SELECT 2)"), StatementKind::Read);
  EXPECT_EQ(classify("SHOW TABLES"), StatementKind::Read);
  EXPECT_EQ(classify("WITH a AS (SELECT 1) SELECT * FROM a"), StatementKind::Read);
  EXPECT_EQ(classify("SELECT * FROM posts FOR UPDATE"), StatementKind::Write);
  EXPECT_EQ(classify("SELECT * FROM posts LOCK IN SHARE MODE"), StatementKind::Write);
  EXPECT_EQ(classify("SELECT 1 INTO @x"), StatementKind::Write);
  EXPECT_EQ(classify("INSERT INTO posts VALUES (1)"), StatementKind::Write);
  EXPECT_EQ(classify("UPDATE posts SET a=1"), StatementKind::Write);
  EXPECT_EQ(classify("DELETE FROM posts"), StatementKind::Write);
  EXPECT_EQ(classify("CREATE TABLE t (a INT)"), StatementKind::Write);
  EXPECT_EQ(classify("BEGIN"), StatementKind::Write);
  EXPECT_EQ(classify("SET @a = 1"), StatementKind::Write);
  EXPECT_EQ(classify("selectx"), StatementKind::Write);
  EXPECT_EQ(classify(""), StatementKind::Write);
}

TEST(Route, WritesAndTransactionsGoToThePrimary) {
  std::vector<ReplicaLoad> r{{true, true, 0}};
  EXPECT_FALSE(route(StatementKind::Write, false, r));
  EXPECT_FALSE(route(StatementKind::Read, true, r));
  EXPECT_EQ(route(StatementKind::Read, false, r), 0u);
}

TEST(Route, NoHealthyReplicaMeansPrimary) {
  EXPECT_FALSE(route(StatementKind::Read, false, {}));
  std::vector<ReplicaLoad> r{{false, true, 0}, {true, false, 0}};
  EXPECT_FALSE(route(StatementKind::Read, false, r));
}

TEST(Route, LeastOutstandingThenRotation) {
  std::vector<ReplicaLoad> r{{true, true, 5}, {true, true, 2}, {false, true, 0}, {true, true, 3}};
  EXPECT_EQ(route(StatementKind::Read, false, r), 1u);
  std::vector<ReplicaLoad> tie{{true, true, 1}, {true, true, 1}, {true, true, 1}};
  EXPECT_EQ(route(StatementKind::Read, false, tie, 0), 0u);
  EXPECT_EQ(route(StatementKind::Read, false, tie, 1), 1u);
  EXPECT_EQ(route(StatementKind::Read, false, tie, 5), 2u);
}

}  // namespace foobar::db
