#include "app/app_config.hpp"

#include <gtest/gtest.h>

namespace foobar::app {

TEST(AppConfig, ReadsSection) {
  auto f = core::ConfigFile::parse(R"(
[app]
listen = "127.0.0.1:9000"
db_primary = "10.0.0.1:3306"
db_replicas = ["10.0.0.2:3306", "10.0.0.3:3306"]
db_user = "app"
max_replica_lag = 2.5
causal_wait_ms = 250
db_network_timeout_ms = 1500
)", "test.toml");
  AppConfig cfg;
  read_app_config(f, cfg);
  EXPECT_EQ(cfg.db_primary->str(), "10.0.0.1:3306");
  ASSERT_EQ(cfg.db_replicas.size(), 2u);
  EXPECT_EQ(cfg.db_user, "app");
  EXPECT_EQ(cfg.max_replica_lag, 2.5);  // fractions, as the flag takes
  EXPECT_EQ(cfg.causal_wait.count(), 250);
  EXPECT_EQ(cfg.db_network_timeout.count(), 1500);
  EXPECT_EQ(cfg.server.listen.port(), 9000);
}

TEST(AppConfig, ErrorsNameFileLineAndKey) {
  auto f = core::ConfigFile::parse("[app]\n\ndb_primary = \"db.example.com:3306\"\n", "app.toml");
  AppConfig cfg;
  try {
    read_app_config(f, cfg);
    FAIL() << "accepted a host name";
  } catch (const core::ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("app.toml"), std::string::npos) << m;
    EXPECT_NE(m.find(":3"), std::string::npos) << m;
    EXPECT_NE(m.find("db_primary"), std::string::npos) << m;
  }
  auto typo = core::ConfigFile::parse("[app]\ndb_primry = \"10.0.0.1:1\"\n", "app.toml");
  EXPECT_THROW(read_app_config(typo, cfg), core::ConfigError);
}

TEST(AppConfig, Validation) {
  AppConfig cfg;
  EXPECT_THROW(validate_app_config(cfg), core::ConfigError);  // no primary
  cfg.db_primary = net::Address::parse_or_throw("127.0.0.1:3306", net::Address::Use::Connect);
  EXPECT_THROW(validate_app_config(cfg), core::ConfigError);  // no user
  cfg.db_user = "app";
  cfg.db_password_file = "/nonexistent/pw";
  EXPECT_THROW(validate_app_config(cfg), core::ConfigError);
  cfg.db_password_file.clear();
  EXPECT_NO_THROW(validate_app_config(cfg));
}

}  // namespace foobar::app
