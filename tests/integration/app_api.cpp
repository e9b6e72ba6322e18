// `foobar app` on a real primary + replica: the JSON API, its validation and
// where each query ran, checked on the servers' own counters.
#include <gtest/gtest.h>

#include "app_fixture.hpp"
#include "support/metrics_text.hpp"

namespace foobar::test {
namespace {

static auto* env = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

class AppApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    app_ = new AppProcess();
    ASSERT_TRUE(app_->wait_replica(true)) << app_->output();
  }
  static void TearDownTestSuite() {
    delete app_;
    app_ = nullptr;
  }
  static AppProcess* app_;
  int port() const { return app_->port; }
};
AppProcess* AppApi::app_ = nullptr;

void expect_error(const HttpResponse& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto j = json(r);
  ASSERT_FALSE(j.is_discarded()) << r.body;
  EXPECT_TRUE(j.contains("error") && j["error"].is_string() && !j["error"].get<std::string>().empty()) << r.body;
}

TEST_F(AppApi, CreateThenReadAndList) {
  auto r = post(port(), {{"author", "alice"}, {"body", "hello, world"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto created = json(r);
  ASSERT_TRUE(created["id"].is_number_unsigned());
  EXPECT_EQ(created["author"], "alice");
  EXPECT_EQ(created["body"], "hello, world");
  EXPECT_TRUE(created["created_at"].get<std::string>().ends_with("Z"));
  EXPECT_TRUE(cookie_of(r).starts_with("foobar_gtid=")) << r.header("Set-Cookie");
  auto id = created["id"].get<std::uint64_t>();

  auto one = get(port(), "/api/posts/" + std::to_string(id), cookie_of(r));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json(one), created);

  auto second = post(port(), {{"author", "bob"}, {"body", "second"}});
  ASSERT_EQ(second.status, 201);
  auto list = get(port(), "/api/posts?limit=2", cookie_of(second));
  ASSERT_EQ(list.status, 200) << list.body;
  auto posts = json(list)["posts"];
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0]["author"], "bob");  // newest first
  EXPECT_EQ(posts[1]["id"], id);
  auto older = json(get(port(), "/api/posts?before=" + std::to_string(id)))["posts"];
  for (auto& p : older) EXPECT_LT(p["id"].get<std::uint64_t>(), id);
  auto capped = get(port(), "/api/posts?limit=100000");
  EXPECT_EQ(capped.status, 200);
  EXPECT_LE(json(capped)["posts"].size(), 100u);
}

TEST_F(AppApi, WritesOnPrimaryReadsOnReplica) {
  auto& c = cluster();
  auto ins_p = c.counter(c.primary, "Com_insert"), writes_r = c.app_writes(c.replica);
  auto r = post(port(), {{"author", "counter"}, {"body", "where did I go?"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(c.counter(c.primary, "Com_insert"), ins_p + 1);
  EXPECT_EQ(c.app_writes(c.replica), writes_r);
  ctl::wait_caught_up(c.replica, c.primary, 10s);

  auto sel_p = c.counter(c.primary, "Com_select"), sel_r = c.counter(c.replica, "Com_select");
  auto id = json(r)["id"].get<std::uint64_t>();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(get(port(), "/api/posts/" + std::to_string(id)).status, 200);
    EXPECT_EQ(get(port(), "/api/posts").status, 200);
  }
  EXPECT_EQ(c.counter(c.primary, "Com_select"), sel_p);
  EXPECT_GE(c.counter(c.replica, "Com_select"), sel_r + 10);
}

TEST_F(AppApi, ReadYourWritesWithReplicationStopped) {
  auto& c = cluster();
  c.sql_on_replica("STOP SLAVE SQL_THREAD");
  auto r = post(port(), {{"author", "writer"}, {"body", "I must see this"}});
  ASSERT_EQ(r.status, 201);
  auto path = "/api/posts/" + std::to_string(json(r)["id"].get<std::uint64_t>());

  auto sel_p = c.counter(c.primary, "Com_select"), sel_r = c.counter(c.replica, "Com_select");
  auto mine = get(port(), path, cookie_of(r));
  EXPECT_EQ(mine.status, 200) << mine.body;  // through the GTID wait, then the primary
  EXPECT_EQ(json(mine)["body"], "I must see this");
  EXPECT_GE(c.counter(c.primary, "Com_select"), sel_p + 1);

  sel_p = c.counter(c.primary, "Com_select");
  auto other = get(port(), path);  // no cookie: the (stale) replica answers
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(c.counter(c.primary, "Com_select"), sel_p);
  EXPECT_GT(c.counter(c.replica, "Com_select"), sel_r);

  c.sql_on_replica("START SLAVE SQL_THREAD");
  ctl::wait_caught_up(c.replica, c.primary, 10s);
  EXPECT_EQ(get(port(), path).status, 200);
}

TEST_F(AppApi, Health) {
  auto r = get(port(), "/api/health");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json(r);
  EXPECT_EQ(j["primary"]["up"], true);
  EXPECT_EQ(j["primary"]["server"], cluster().primary_addr());
  ASSERT_EQ(j["replicas"].size(), 1u);
  EXPECT_EQ(j["replicas"][0]["server"], cluster().replica_addr());
  EXPECT_EQ(j["replicas"][0]["healthy"], true);
  EXPECT_TRUE(j["replicas"][0]["lag_seconds"].is_number());
}

TEST_F(AppApi, ValidationRules) {
  auto ok = [&](const nlohmann::json& body) { return post(port(), body); };
  expect_error(post_raw(port(), "{\"author\": \"a\", \"body\": "), 400);   // malformed JSON
  expect_error(post_raw(port(), "[\"author\", \"body\"]"), 400);          // not an object
  expect_error(post_raw(port(), ""), 400);                                // empty
  expect_error(ok({{"body", "x"}}), 400);                                 // missing author
  expect_error(ok({{"author", "x"}}), 400);                               // missing body
  expect_error(ok({{"author", 5}, {"body", "x"}}), 400);                  // wrong type
  expect_error(ok({{"author", ""}, {"body", "x"}}), 400);                 // empty author
  expect_error(ok({{"author", "x"}, {"body", ""}}), 400);                 // empty body
  expect_error(ok({{"author", "   "}, {"body", "x"}}), 400);              // blank author
  expect_error(ok({{"author", std::string(65, 'a')}, {"body", "x"}}), 400);
  expect_error(ok({{"author", "x"}, {"body", std::string(4001, 'b')}}), 400);
  expect_error(ok({{"author", "a\x01"}, {"body", "x"}}), 400);            // control character
  expect_error(post_raw(port(), "{\"author\": \"\xff\xfe\", \"body\": \"x\"}"), 400);     // invalid UTF-8
  expect_error(post_raw(port(), "{\"author\": \"\xc0\xaf\", \"body\": \"x\"}"), 400);     // overlong
  expect_error(post_raw(port(), "{\"author\": \"x\", \"body\": \"" + std::string(70000, 'b') + "\"}"), 413);
  // Limits are in characters, not bytes: 64 three-byte characters are fine.
  std::string kana;
  for (int i = 0; i < 64; ++i) kana += "\xe3\x81\x82";
  auto r = ok({{"author", kana}, {"body", std::string(4000, 'b')}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json(r)["author"], kana);

  expect_error(get(port(), "/api/nothing"), 404);
  expect_error(get(port(), "/api/posts/abc"), 404);
  expect_error(get(port(), "/api/posts/0"), 404);
  expect_error(get(port(), "/api/posts/999999999999"), 404);
  expect_error(get(port(), "/api/posts?limit=0"), 400);
  expect_error(get(port(), "/api/posts?limit=ten"), 400);
  expect_error(get(port(), "/api/posts?before=-1"), 400);
  auto del = http_raw(port(), request("DELETE", "/api/posts"));
  expect_error(del, 405);
  EXPECT_NE(del.header("Allow").find("POST"), std::string::npos);
  expect_error(http_raw(port(), request("PUT", "/api/posts/1", "{}")), 405);
  expect_error(http_raw(port(), request("POST", "/api/health", "{}")), 405);
}

TEST_F(AppApi, InjectionShapedInputIsStoredVerbatim) {
  const std::string author = "Robert'); DROP TABLE posts;--";
  const std::string body = "' OR '1'='1 \\\" \\' `; SELECT * FROM mysql.user; -- %_ \xf0\x9f\x98\x80 <script>x</script>";
  auto r = post(port(), {{"author", author}, {"body", body}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = json(r)["id"].get<std::uint64_t>();
  auto back = get(port(), "/api/posts/" + std::to_string(id), cookie_of(r));
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(json(back)["author"], author);
  EXPECT_EQ(json(back)["body"], body);
  auto rows = ctl::admin_query(cluster().primary, "SELECT author, body FROM foobar.posts WHERE id = " + std::to_string(id));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], author);
  EXPECT_EQ(rows[0][1], body);
}

}  // namespace
}  // namespace foobar::test

namespace foobar::test {
namespace {

// The app's own series: each request under its route template and status
// class, each statement under where it ran, each connection wait under its server.
TEST(AppMetrics, CountEachRouteAndWhereEachStatementRan) {
  auto& c = cluster();
  AppProcess app({"--admin", "127.0.0.1:0", "--db-pool-size", "5"});
  ASSERT_TRUE(app.wait_replica(true)) << app.output();
  const auto before = samples(http_get(app.admin, "/metrics").body);
  auto r = post(app.port, {{"author", "metrics"}, {"body", "count me"}});
  ASSERT_EQ(r.status, 201) << r.body;
  ctl::wait_caught_up(c.replica, c.primary, 10s);
  const auto path = "/api/posts/" + std::to_string(json(r)["id"].get<std::uint64_t>());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(app.port, path).status, 200);  // no cookie: the replica answers
  ASSERT_EQ(get(app.port, "/api/posts/x").status, 404);                    // no statement at all
  ASSERT_EQ(http_raw(app.port, request("DELETE", "/api/posts")).status, 405);
  const auto after = samples(http_get(app.admin, "/metrics").body);
  auto delta = [&](const std::string& k) { return after.at(k) - before.at(k); };
  EXPECT_EQ(delta(R"(foobar_app_requests_total{route="POST /api/posts",code="2xx"})"), 1);
  EXPECT_EQ(delta(R"(foobar_app_requests_total{route="GET /api/posts/:id",code="2xx"})"), 3);
  EXPECT_EQ(delta(R"(foobar_app_requests_total{route="GET /api/posts/:id",code="4xx"})"), 1);
  EXPECT_EQ(delta(R"(foobar_app_requests_total{route="other",code="4xx"})"), 1);
  EXPECT_EQ(delta(R"(foobar_app_request_duration_seconds_count{route="GET /api/posts/:id"})"), 4);
  EXPECT_EQ(delta(R"(foobar_db_query_duration_seconds_count{target="primary"})"), 1);
  EXPECT_EQ(delta(R"(foobar_db_query_duration_seconds_count{target="replica"})"), 3);
  EXPECT_EQ(delta(R"(foobar_db_query_errors_total{target="primary"})"), 0);
  const std::string primary = "server=\"" + c.primary_addr() + "\"", replica = "server=\"" + c.replica_addr() + "\"";
  EXPECT_EQ(delta("foobar_db_pool_wait_seconds_count{" + primary + "}"), 1);
  EXPECT_EQ(delta("foobar_db_pool_wait_seconds_count{" + replica + "}"), 3);
  EXPECT_EQ(after.at("foobar_db_pool_connections{" + primary + ",state=\"busy\"}"), 0);
  EXPECT_GE(after.at("foobar_db_pool_connections{" + replica + ",state=\"idle\"}"), 1);
  EXPECT_EQ(after.at("foobar_db_pool_max_connections{" + primary + "}"), 5 * 2);  // per thread, 2 threads
  EXPECT_EQ(after.at("foobar_db_semi_sync_enabled{" + primary + "}"), 1);
  EXPECT_EQ(after.at("foobar_db_semi_sync_clients{" + primary + "}"), 1);
}

TEST(AppStartup, ConfigErrorsExitWithCode2) {
  Process missing({foobar_bin(), "app", "--listen", "127.0.0.1:0", "--db-user", "x"});
  EXPECT_EQ(missing.wait_exit(10s), 2);
  EXPECT_NE(missing.output().find("--db-primary"), std::string::npos) << missing.output();
  Process dns({foobar_bin(), "app", "--listen", "127.0.0.1:0", "--db-user", "x", "--db-primary", "db.example.com:3306"});
  EXPECT_EQ(dns.wait_exit(10s), 2);
  EXPECT_NE(dns.output().find("numeric"), std::string::npos) << dns.output();
}

TEST(AppStartup, NoDatabaseAtAllMeans503NotACrash) {
  auto dead = "127.0.0.1:" + std::to_string(free_port());
  Process app({foobar_bin(), "app", "--listen", "127.0.0.1:0", "--threads", "1", "--db-primary", dead, "--db-replica",
               dead, "--db-user", "x"},
              {"FOOBAR_DB_PASSWORD=nothing"});
  int port = app.wait_port("app");
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto w = post(port, {{"author", "a"}, {"body", "b"}});
    EXPECT_EQ(w.status, 503) << w.body;
    EXPECT_EQ(w.header("Retry-After"), "1");
    auto r = get(port, "/api/posts/1");
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(get(port, "/api/posts").status, 503);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  }
  std::this_thread::sleep_for(1200ms);  // one monitor round
  EXPECT_EQ(get(port, "/api/health").status, 503);
  EXPECT_TRUE(app.running());
  app.signal(SIGTERM);
  EXPECT_EQ(app.wait_exit(10s), 0);
}

}  // namespace
}  // namespace foobar::test
