#include "web/web_config.hpp"

#include "http/server_options.hpp"

namespace foobar::web {

void read_web_config(const core::ConfigFile& file, WebConfig& cfg) {
  auto web = file.root().table("web");
  if (!web) return;
  web->allow_only(http::server_config_keys({"root", "threads", "open_file_cache_valid_ms", "open_file_cache_max", "open_file_cache_max_memory",
                   "max_cached_file_bytes", "cache_control", "proxy", "trusted_proxies", "backend_tls",
                   "backend_tls_ca", "backend_tls_name"}));
  http::read_server_config(*web, cfg.server);
  if (auto root = web->string("root")) cfg.files.root = *root;
  if (auto t = web->integer("threads", 0, 1024)) cfg.threads = static_cast<unsigned>(*t);
  auto& cache = cfg.files.open_file_cache;
  if (auto ms = web->integer("open_file_cache_valid_ms", 0, 3600 * 1000)) cache.validity = std::chrono::milliseconds(*ms);
  if (auto n = web->integer("open_file_cache_max", 1, 1 << 20)) cache.max_entries = static_cast<std::size_t>(*n);
  if (auto b = web->integer("open_file_cache_max_memory", 0, std::int64_t{1} << 40))
    cache.max_memory = static_cast<std::uint64_t>(*b);
  if (auto b = web->integer("max_cached_file_bytes", 0, 64 << 20)) cache.max_file_bytes = static_cast<std::uint64_t>(*b);
  if (auto specs = web->strings("proxy")) {
    cfg.proxies.clear();
    for (const auto& spec : *specs) {
      try {
        cfg.proxies.push_back(proxy::parse_proxy_route(spec));
      } catch (const std::invalid_argument& e) {
        web->fail("proxy", e.what());
      }
    }
  }
  if (web->strings("trusted_proxies")) cfg.trusted_proxies = net::read_subnets(*web, "trusted_proxies");
  proxy::read_backend_tls(*web, cfg.backend_tls);
  auto rules = web->tables("cache_control");
  if (!rules.empty()) cfg.files.cache_control.clear();
  for (const auto& rule : rules) {
    rule.allow_only({"prefix", "extension", "value"});
    CacheControlRule r;
    r.prefix = rule.string("prefix").value_or("");
    r.extension = rule.string("extension").value_or("");
    auto value = rule.string("value");
    if (!value) rule.fail("value", "missing (the Cache-Control header value)");
    r.value = *value;
    if (!r.prefix.empty() && !r.prefix.starts_with('/')) rule.fail("prefix", "must start with '/'");
    cfg.files.cache_control.push_back(std::move(r));
  }
}

}  // namespace foobar::web
