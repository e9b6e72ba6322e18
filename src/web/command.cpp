#include "web/command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "core/flags.hpp"
#include "core/runtime.hpp"
#include "http/handler_chain.hpp"
#include "http/metrics_handler.hpp"
#include "http/server_options.hpp"
#include "proxy/proxy_routes.hpp"
#include "web/web_config.hpp"

namespace foobar::web {
namespace {

int run(const WebConfig& cfg) {
  int root_fd = ::open(cfg.files.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) throw core::ConfigError("document root '" + cfg.files.root + "' is not a readable directory");
  core::Runtime rt(cfg.threads);
  auto files = std::make_shared<const StaticConfig>(cfg.files);
  core::metrics::Registry metrics(rt.size());
  core::metrics::add_process_metrics(metrics, "web", FOOBAR_VERSION);
  proxy::ProxyRoutes routes(cfg.proxies, metrics,
                            {.trusted_proxies = cfg.trusted_proxies, .tls = proxy::load_backend_tls(cfg.backend_tls)});
  const StaticMetrics static_metrics(metrics);
  routes.start(rt.context(0));
  auto server_cfg = cfg.server;
  const bool counted = cfg.server.admin.has_value();  // counted only where someone can read them
  if (counted) server_cfg.metrics = &metrics;
  // Proxied prefixes first, then static files: each worker's handler chain.
  http::Server server(rt, server_cfg, [&](unsigned worker, asio::io_context& io) {
    auto chain = std::make_unique<http::HandlerChain>();
    routes.add_to(*chain, worker, io);
    chain->add(std::make_unique<StaticHandler>(files, root_fd, counted ? &static_metrics : nullptr, worker));
    return chain;
  });
  auto admin = http::open_admin(rt, cfg.server, metrics, [&metrics](unsigned, asio::io_context&) {
    return std::make_unique<http::MetricsHandler>(metrics);
  });
  rt.on_stop([&] {
    server.stop();
    if (admin) admin->stop();
    routes.stop();
  });
  spdlog::info("web: serving {} with {} threads", cfg.files.root, rt.size());
  int rc = rt.run(cfg.server.limits.shutdown_timeout);
  ::close(root_fd);
  return rc;
}

}  // namespace

void add_command(CLI::App& cli, int& exit_code) {
  auto cfg = std::make_shared<WebConfig>();
  cfg->server.listen = net::Address(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 8080));
  auto* cmd = cli.add_subcommand("web", "web server (the nginx role): static files, reverse proxy of dynamic paths");
  // --config first: CLI11 applies options in definition order, so flags override the file.
  cmd->add_option_function<std::string>(
         "--config", [cfg](const std::string& path) { read_web_config(core::ConfigFile::load(path), *cfg); },
         "TOML config file ([web] section)")
      ->type_name("FILE");
  cmd->add_option("--root", cfg->files.root, "document root directory")->type_name("DIR");
  core::add_number_flag(*cmd, "--threads", cfg->threads, 0u, 1024u, "worker threads (default: one per CPU)");
  http::add_server_flags(*cmd, cfg->server);
  cmd->add_option_function<std::vector<std::string>>(
         "--proxy", [cfg](const std::vector<std::string>& specs) {
           cfg->proxies.clear();
           for (const auto& s : specs)
             cfg->proxies.push_back(core::flag_value("--proxy", [&] { return proxy::parse_proxy_route(s); }));
         },
         "send requests under PREFIX to these app servers (repeatable; round robin, health checks, retries)")
      ->type_name("PREFIX=HOST:PORT,...");
  proxy::add_trusted_proxy_flag(*cmd, cfg->trusted_proxies);
  proxy::add_backend_tls_flags(*cmd, cfg->backend_tls);
  cmd->callback([cfg, &exit_code] {
    if (cfg->files.root.empty()) throw core::ConfigError("web: --root (or [web] root) is required");
    exit_code = run(*cfg);
  });
}

}  // namespace foobar::web
