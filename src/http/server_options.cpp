#include "http/server_options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/flags.hpp"
#include "net/address.hpp"

namespace foobar::http {
namespace {

using ms = std::chrono::milliseconds;
constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;

// One table drives both the config keys and the flags: the two cannot drift apart.
struct LimitField {
  const char* key;   // config key; the flag is "--" + key with '_' -> '-'
  const char* help;
  std::int64_t min, max;
  void (*set)(ServerLimits&, std::int64_t);
};

constexpr LimitField kLimitFields[] = {
    {"max_request_line", "longest request line in bytes (414 beyond)", 64, 1 << 20,
     [](ServerLimits& l, std::int64_t v) { l.parser.max_request_line = static_cast<std::size_t>(v); }},
    {"max_header_bytes", "largest request head in bytes (431 beyond)", 256, 1 << 24,
     [](ServerLimits& l, std::int64_t v) { l.parser.max_header_bytes = static_cast<std::size_t>(v); }},
    {"max_header_count", "most header fields in a request (431 beyond)", 1, 10000,
     [](ServerLimits& l, std::int64_t v) { l.parser.max_header_count = static_cast<std::size_t>(v); }},
    {"header_timeout_ms", "time for a whole request head to arrive", 1, kMaxMs,
     [](ServerLimits& l, std::int64_t v) { l.header_timeout = ms(v); }},
    {"keepalive_timeout_ms", "idle time allowed between requests", 1, kMaxMs,
     [](ServerLimits& l, std::int64_t v) { l.keepalive_timeout = ms(v); }},
    {"body_timeout_ms", "idle time allowed while reading a request body", 1, kMaxMs,
     [](ServerLimits& l, std::int64_t v) { l.body_timeout = ms(v); }},
    {"send_timeout_ms", "idle time allowed while sending a response", 1, kMaxMs,
     [](ServerLimits& l, std::int64_t v) { l.send_timeout = ms(v); }},
    {"max_requests_per_connection", "requests before a keep-alive connection closes (0: no limit)", 0,
     INT64_MAX, [](ServerLimits& l, std::int64_t v) { l.max_requests_per_connection = static_cast<std::uint64_t>(v); }},
    {"max_connections", "open connections per worker thread", 1, 1 << 24,
     [](ServerLimits& l, std::int64_t v) { l.max_connections = static_cast<std::size_t>(v); }},
    {"max_body_bytes", "largest request body in bytes (413 beyond; 0: no limit)", 0, INT64_MAX,
     [](ServerLimits& l, std::int64_t v) { l.max_body_bytes = static_cast<std::uint64_t>(v); }},
};

constexpr std::int64_t kMaxHstsAge = 10LL * 365 * 24 * 3600;

// [<role>.tls]: listeners, certificate pairs, handshake timeout, tickets, redirect, HSTS.
void read_tls_config(const core::ConfigSection& t, net::TlsConfig& out,
                     std::initializer_list<std::string_view> role_keys) {
  std::vector<std::string_view> keys{"listen",       "cert", "key",          "handshake_timeout_ms",   "ticket_keys",
                                     "redirect_https", "only", "hsts_max_age", "hsts_include_subdomains"};
  keys.insert(keys.end(), role_keys);
  t.allow_only(keys);
  if (auto list = t.strings("listen")) {
    out.listen.clear();
    for (const auto& text : *list) {
      std::string why;
      auto a = net::Address::parse(text, net::Address::Use::Listen, &why);
      if (!a) t.fail("listen", "invalid address '" + text + "': " + why);
      out.listen.push_back(*a);
    }
  }
  if (auto v = t.strings("cert")) out.certs = *v;
  if (auto v = t.strings("key")) out.keys = *v;
  if (out.certs.size() != out.keys.size())
    t.fail("key", fmt::format("cert and key pair up by position: {} certificates, {} keys", out.certs.size(),
                              out.keys.size()));
  // (The lb's acme brings its own.)
  if (!out.listen.empty() && out.certs.empty() && !t.table("acme"))
    t.fail("cert", "TLS listeners need a certificate and its key");
  if (auto v = t.integer("handshake_timeout_ms", 1, kMaxMs)) out.handshake_timeout = ms(*v);
  if (auto v = t.string("ticket_keys")) out.ticket_key_file = *v;
  if (auto v = t.boolean("redirect_https")) out.redirect_https = *v;
  if (auto v = t.boolean("only")) out.only = *v;
  if (auto v = t.integer("hsts_max_age", 0, kMaxHstsAge)) out.hsts_max_age = *v;
  if (auto v = t.boolean("hsts_include_subdomains")) out.hsts_include_subdomains = *v;
}

void add_tls_flags(CLI::App& cmd, net::TlsConfig& out) {
  const char* group = "TLS";
  cmd.add_option_function<std::vector<std::string>>(
         "--listen-tls",
         [&out](const std::vector<std::string>& list) {
           out.listen.clear();
           for (const auto& v : list)
             out.listen.push_back(core::flag_value(
                 "--listen-tls", [&] { return net::Address::parse_or_throw(v, net::Address::Use::Listen); }));
         },
         "also listen with TLS on HOST:PORT (repeatable)")
      ->type_name("HOST:PORT")
      ->group(group);
  cmd.add_option("--tls-cert", out.certs, "certificate chain, PEM, leaf first (repeatable; pairs with --tls-key)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--tls-key", out.keys, "private key, PEM, of the --tls-cert in the same position")
      ->type_name("FILE")
      ->group(group);
  core::add_ms_flag(cmd, "--tls-handshake-timeout-ms", out.handshake_timeout, 1, kMaxMs,
                    "time for a TLS handshake to finish (default 10000)")
      ->group(group);
  cmd.add_option("--tls-ticket-keys", out.ticket_key_file,
                 "file keeping the session ticket keys across restarts (mode 0600; default: memory only)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_flag("--tls-only", out.only, "no plain listener: serve on the --listen-tls addresses only")->group(group);
  cmd.add_flag("--redirect-https", out.redirect_https,
               "plain listener: answer every request with a redirect to https (301, or 308 for non-GET)")
      ->group(group);
  core::add_number_flag<std::int64_t>(cmd, "--hsts-max-age", out.hsts_max_age, 0, kMaxHstsAge,
                                      "Strict-Transport-Security max-age on TLS responses, seconds (0: none; "
                                      "default 63072000)")
      ->group(group);
  cmd.add_flag("--hsts-include-subdomains", out.hsts_include_subdomains, "add includeSubDomains to it")->group(group);
}

}  // namespace

void read_server_config(const core::ConfigSection& section, ServerConfig& out,
                        std::initializer_list<std::string_view> tls_role_keys) {
  if (auto a = net::read_address(section, "listen", net::Address::Use::Listen)) out.listen = *a;
  if (auto v = section.integer("shutdown_timeout_ms", 0, kMaxMs)) out.limits.shutdown_timeout = ms(*v);
  if (auto a = net::read_address(section, "admin", net::Address::Use::Listen)) out.admin = *a;
  if (auto f = section.string("admin_token_file")) out.admin_auth.token_file = *f;
  if (auto f = section.string("admin_read_token_file")) out.admin_auth.read_token_file = *f;
  if (auto log = section.string("access_log")) out.access_log = *log;
  if (auto f = section.one_of("access_log_format", {"combined", "json"}))
    out.access_log_format = *f == "json" ? AccessLogFormat::Json : AccessLogFormat::Combined;
  if (auto tls = section.table("tls")) read_tls_config(*tls, out.tls, tls_role_keys);
  if (auto limits = section.table("limits")) {
    std::vector<std::string_view> keys;
    for (const auto& f : kLimitFields) {
      keys.push_back(f.key);
      if (auto v = limits->integer(f.key, f.min, f.max)) f.set(out.limits, *v);
    }
    limits->allow_only(keys);
  }
}

std::vector<std::string_view> server_config_keys(std::initializer_list<std::string_view> role_keys) {
  std::vector<std::string_view> keys{"listen",     "admin",         "admin_token_file",    "admin_read_token_file",
                                     "access_log", "access_log_format", "shutdown_timeout_ms", "tls", "limits"};
  keys.insert(keys.end(), role_keys);
  return keys;
}

void add_server_flags(CLI::App& cmd, ServerConfig& out, const std::string& admin_help) {
  cmd.add_option_function<std::string>(
         "--listen",
         [&out](const std::string& v) {
           out.listen = core::flag_value("--listen", [&] { return net::Address::parse_or_throw(v, net::Address::Use::Listen); });
         },
         "address to listen on, HOST:PORT (port 0: any free port)")
      ->type_name("HOST:PORT");
  cmd.add_option("--access-log", out.access_log, "access log: FILE, - (stdout) or off")
      ->type_name("FILE|-|off");
  cmd.add_option_function<std::string>(
         "--access-log-format",
         [&out](const std::string& v) {
           out.access_log_format = v == "json" ? AccessLogFormat::Json : AccessLogFormat::Combined;
         },
         "combined (default) or json: one object per line")
      ->check(CLI::IsMember({"combined", "json"}));
  cmd.add_option_function<std::string>(
         "--admin",
         [&out](const std::string& v) {
           out.admin = core::flag_value("--admin", [&] { return net::Address::parse_or_throw(v, net::Address::Use::Listen); });
         },
         admin_help)
      ->type_name("[HOST:]PORT");
  cmd.add_option("--admin-token-file", out.admin_auth.token_file,
                 "file with the bearer token that admin changes (POST) need; required off loopback")
      ->type_name("FILE");
  cmd.add_option("--admin-read-token-file", out.admin_auth.read_token_file,
                 "file with a bearer token that admin reads (GET /metrics...) need (default: reads are open)")
      ->type_name("FILE");
  add_tls_flags(cmd, out.tls);
  core::add_ms_flag(cmd, "--shutdown-timeout-ms", out.limits.shutdown_timeout, 0, kMaxMs,
                    "how long a graceful stop waits for in-flight requests (default 10000)");
  for (const auto& f : kLimitFields) {
    std::string flag = std::string("--") + f.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    auto set = f.set;
    cmd.add_option_function<std::int64_t>(
           flag, [&out, set](std::int64_t v) { set(out.limits, v); }, f.help)
        ->check(CLI::Range(f.min, f.max))
        ->group("Limits");
  }
}

}  // namespace foobar::http
