// The [<role>.tls] table and the TLS flags: every key, and errors that name file, line and key.
#include "http/server_options.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

namespace foobar::http {
namespace {

ServerConfig parse(const std::string& text) {
  auto f = core::ConfigFile::parse(text, "role.toml");
  ServerConfig out;
  read_server_config(*f.root().table("web"), out);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TlsConfig, EveryKey) {
  auto cfg = parse(R"([web.tls]
listen = ["0.0.0.0:443", "[::]:8443"]
cert = ["ec.pem", "rsa.pem"]
key = ["ec.key", "rsa.key"]
handshake_timeout_ms = 2500
ticket_keys = "/var/lib/foobar/ticket-keys"
redirect_https = true
hsts_max_age = 600
hsts_include_subdomains = true
)");
  const auto& t = cfg.tls;
  ASSERT_EQ(t.listen.size(), 2u);
  EXPECT_EQ(t.listen[0].str(), "0.0.0.0:443");
  EXPECT_EQ(t.listen[1].str(), "[::]:8443");
  EXPECT_EQ(t.certs, (std::vector<std::string>{"ec.pem", "rsa.pem"}));
  EXPECT_EQ(t.keys, (std::vector<std::string>{"ec.key", "rsa.key"}));
  EXPECT_EQ(t.handshake_timeout.count(), 2500);
  EXPECT_EQ(t.ticket_key_file, "/var/lib/foobar/ticket-keys");
  EXPECT_TRUE(t.redirect_https);
  EXPECT_EQ(t.hsts_max_age, 600);
  EXPECT_TRUE(t.hsts_include_subdomains);
}

TEST(TlsConfig, DefaultsAndSingleStrings) {
  EXPECT_FALSE(parse("[web]\n").tls.enabled());
  auto cfg = parse("[web.tls]\nlisten = \"8443\"\ncert = \"a.pem\"\nkey = \"a.key\"\n");
  ASSERT_EQ(cfg.tls.listen.size(), 1u);
  EXPECT_EQ(cfg.tls.listen[0].str(), "127.0.0.1:8443");
  EXPECT_EQ(cfg.tls.handshake_timeout.count(), 10000);
  EXPECT_EQ(cfg.tls.hsts_max_age, 63072000);
  EXPECT_FALSE(cfg.tls.redirect_https);
  EXPECT_TRUE(cfg.tls.ticket_key_file.empty());
}

TEST(TlsConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("[web.tls]\nlisten = \"8443\"\ncert = \"a.pem\"\nkey = \"a.key\"\nhsts_max_age = -1\n")
                .rfind("role.toml:5", 0),
            0u);
  auto e = error_of("[web.tls]\nlisten = \"8443\"\ncert = [\"a.pem\", \"b.pem\"]\nkey = \"a.key\"\n");
  EXPECT_NE(e.find("role.toml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("web.tls.key"), std::string::npos) << e;
  EXPECT_NE(e.find("2 certificates, 1 keys"), std::string::npos) << e;
  e = error_of("[web.tls]\nlisten = \"nowhere\"\n");
  EXPECT_NE(e.find("role.toml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid address 'nowhere'"), std::string::npos) << e;
  e = error_of("[web.tls]\nlisten = \"8443\"\n");
  EXPECT_NE(e.find("web.tls.cert"), std::string::npos) << e;
  e = error_of("[web.tls]\nredirect_http = true\n");  // a typo is not ignored
  EXPECT_NE(e.find("redirect_http"), std::string::npos) << e;
  e = error_of("[web.tls]\nhandshake_timeout_ms = \"10s\"\n");
  EXPECT_NE(e.find("web.tls.handshake_timeout_ms"), std::string::npos) << e;
}

TEST(TlsFlags, RepeatablePairsAndSettings) {
  CLI::App app;
  ServerConfig cfg;
  add_server_flags(app, cfg);
  const char* argv[] = {"x", "--listen-tls", "127.0.0.1:8443", "--listen-tls", "[::1]:9443", "--tls-cert", "ec.pem",
                        "--tls-key", "ec.key", "--tls-cert", "rsa.pem", "--tls-key", "rsa.key",
                        "--tls-handshake-timeout-ms", "700", "--redirect-https", "--hsts-max-age", "0"};
  app.parse(static_cast<int>(std::size(argv)), argv);
  ASSERT_EQ(cfg.tls.listen.size(), 2u);
  EXPECT_EQ(cfg.tls.listen[1].str(), "[::1]:9443");
  EXPECT_EQ(cfg.tls.certs, (std::vector<std::string>{"ec.pem", "rsa.pem"}));
  EXPECT_EQ(cfg.tls.keys, (std::vector<std::string>{"ec.key", "rsa.key"}));
  EXPECT_EQ(cfg.tls.handshake_timeout.count(), 700);
  EXPECT_TRUE(cfg.tls.redirect_https);
  EXPECT_EQ(cfg.tls.hsts_max_age, 0);

  CLI::App bad;
  ServerConfig ignored;
  add_server_flags(bad, ignored);
  const char* argv2[] = {"x", "--listen-tls", "somewhere"};
  EXPECT_THROW(bad.parse(3, argv2), CLI::ValidationError);
}

}  // namespace
}  // namespace foobar::http
