#include "ctl/command.hpp"

#include <CLI/CLI.hpp>
#include <memory>

#include "ctl/status.hpp"
#include "ctl/up.hpp"

namespace foobar::ctl {

void add_commands(CLI::App& cli, int& exit_code) {
  auto up_opt = std::make_shared<UpOptions>();
  auto http_port = std::make_shared<int>(0);
  auto port_base = std::make_shared<int>(0);
  auto https_port = std::make_shared<int>(0);
  CLI::App* up = cli.add_subcommand(
      "up", "Run the whole stack on this machine: lb -> web -> app -> MariaDB primary + replica");
  up->add_option("--config", up_opt->config, "Topology file (TOML; see docs/configuration.md)")
      ->check(CLI::ExistingFile);
  up->add_option("--state-dir", up_opt->state_dir, "Data, configs, secrets, logs and pids")
      ->capture_default_str();
  up->add_option("--http-port", *http_port, "Public port of the lb on 127.0.0.1 (default 8080)")
      ->check(CLI::Range(1, 65535));
  up->add_option("--https-port", *https_port, "HTTPS port of the lb on 127.0.0.1 (default 8443)")
      ->check(CLI::Range(1, 65535));
  up->add_option("--port-base", *port_base, "First internal port; the others follow (default 18000)")
      ->check(CLI::Range(1, 65535));
  up->add_flag("-d,--detach", up_opt->detach, "Start in the background; stop with `foobar down`");
  up->add_flag("--print-config", up_opt->print_config, "Print the topology as TOML and exit");
  up->callback([=, &exit_code] {
    UpOptions o = *up_opt;
    if (*http_port) o.http_port = *http_port;
    if (*port_base) o.port_base = *port_base;
    if (*https_port) o.https_port = *https_port;
    exit_code = run_up(o);
  });

  auto down_dir = std::make_shared<std::string>(".foobar");
  CLI::App* down = cli.add_subcommand("down", "Stop the stack running in a state dir");
  down->add_option("--state-dir", *down_dir, "State dir of the stack")->capture_default_str();
  down->callback([=, &exit_code] { exit_code = run_down(*down_dir); });

  auto status_dir = std::make_shared<std::string>(".foobar");
  auto json = std::make_shared<bool>(false);
  CLI::App* status = cli.add_subcommand("status", "Every node of the stack: up/down, pid, uptime, requests, replication");
  status->add_option("--state-dir", *status_dir, "State dir of the stack")->capture_default_str();
  status->add_flag("--json", *json, "Machine-readable output");
  status->callback([=, &exit_code] { exit_code = run_status(*status_dir, *json); });
}

}  // namespace foobar::ctl
