#include "http/server_options.hpp"

#include <CLI/CLI.hpp>

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

}  // namespace

void read_server_config(const core::ConfigSection& section, ServerConfig& out) {
  if (auto a = net::read_address(section, "listen", net::Address::Use::Listen)) out.listen = *a;
  if (auto v = section.integer("shutdown_timeout_ms", 0, kMaxMs)) out.limits.shutdown_timeout = ms(*v);
  if (auto a = net::read_address(section, "admin", net::Address::Use::Listen)) out.admin = *a;
  if (auto log = section.string("access_log")) out.access_log = *log;
  if (auto limits = section.table("limits")) {
    std::vector<std::string_view> keys;
    for (const auto& f : kLimitFields) {
      keys.push_back(f.key);
      if (auto v = limits->integer(f.key, f.min, f.max)) f.set(out.limits, *v);
    }
    limits->allow_only(keys);
  }
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
         "--admin",
         [&out](const std::string& v) {
           out.admin = core::flag_value("--admin", [&] { return net::Address::parse_or_throw(v, net::Address::Use::Listen); });
         },
         admin_help)
      ->type_name("[HOST:]PORT");
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
