#include "ctl/command.hpp"

#include <CLI/CLI.hpp>
#include <memory>

#include "ctl/http_probe.hpp"
#include "ctl/render.hpp"
#include "ctl/status.hpp"
#include "ctl/switchover.hpp"
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

  auto render_opt = std::make_shared<RenderOptions>();
  auto render_config = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  CLI::App* render = cli.add_subcommand(
      "render", "Write one host's files (units, configs, keepalived, nftables, MariaDB) from a topology of real hosts");
  render->add_option("--config", *render_config, "Topology file with [[host]] entries (docs/deploy.md)")
      ->required()
      ->check(CLI::ExistingFile);
  render->add_option("--host", render_opt->host, "The [[host]] to render");
  render->add_option("--out", render_opt->out, "Where to write the host's tree (etc/...)");
  render->add_flag("--check", *check, "Only validate the topology and print where each role runs");
  auto monitoring = std::make_shared<bool>(false);
  render->add_flag("--monitoring", *monitoring,
                   "Render the monitoring host instead of a [[host]]: Prometheus and Alertmanager configs, alert rules");
  render->add_option("--prefix", render_opt->prefix, "Where the tree lives on the host")->capture_default_str();
  render->add_option("--binary", render_opt->binary, "The foobar binary on the host")->capture_default_str();
  render->add_option("--site", render_opt->site, "The site (public/, schema.sql)")->capture_default_str();
  render->add_option("--secrets", render_opt->secrets,
                     "Passwords and the local CA, shared by every host's render (default: secrets/ beside --config)");
  render->callback([=, &exit_code] {
    if (!*check && ((render_opt->host.empty() && !*monitoring) || render_opt->out.empty()))
      throw CLI::ValidationError("render", "--host (or --monitoring) and --out are required (or --check)");
    exit_code = run_render(*render_config, *render_opt, *check, *monitoring);
  });

  struct ProbeOptions {
    std::string address, path = "/";
    int watch_ms = 0, every_ms = 100, timeout_ms = 500;
  };
  auto probe_opt = std::make_shared<ProbeOptions>();
  CLI::App* probe = cli.add_subcommand(
      "probe", "Exit 0 while a listener answers GET PATH with 2xx (keepalived's check of the lb), 1 once it does not");
  probe->add_option("--address", probe_opt->address, "HOST:PORT to ask")->required();
  probe->add_option("--path", probe_opt->path, "Path to GET")->capture_default_str();
  probe->add_option("--watch-ms", probe_opt->watch_ms, "Keep asking for this long (0: once)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  probe->add_option("--every-ms", probe_opt->every_ms, "Pause between requests while watching")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  probe->add_option("--timeout-ms", probe_opt->timeout_ms, "Time allowed for each answer")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  probe->callback([=, &exit_code] {
    std::string why;
    auto a = net::Address::parse(probe_opt->address, net::Address::Use::Connect, &why);
    if (!a) throw CLI::ValidationError("--address", why);
    using ms = std::chrono::milliseconds;
    exit_code = run_probe(*a, probe_opt->path, ms(probe_opt->watch_ms), ms(probe_opt->every_ms),
                          ms(probe_opt->timeout_ms));
  });

  auto status_dir = std::make_shared<std::string>(".foobar");
  auto json = std::make_shared<bool>(false);
  CLI::App* status = cli.add_subcommand("status", "Every node of the stack: up/down, pid, uptime, requests, replication");
  auto status_config = std::make_shared<std::string>();
  auto status_secrets = std::make_shared<std::string>();
  status->add_option("--state-dir", *status_dir, "State dir of the stack")->capture_default_str();
  status->add_option("--config", *status_config, "A topology of real hosts: ask each node over the network")
      ->check(CLI::ExistingFile);
  status->add_option("--secrets", *status_secrets, "With --config: the render's secrets (default: secrets/ beside it)");
  status->add_flag("--json", *json, "Machine-readable output");
  status->callback([=, &exit_code] {
    exit_code = status_config->empty() ? run_status(*status_dir, *json)
                                       : run_hosts_status(*status_config, *status_secrets, *json);
  });

  CLI::App* sw = cli.add_subcommand("switchover", "Planned change of the database primary: writes wait, none fail");
  auto sw_dir = std::make_shared<std::string>(".foobar");
  auto sw_config = std::make_shared<std::string>();
  auto sw_secrets = std::make_shared<std::string>();
  auto sw_to = std::make_shared<std::string>();
  sw->add_option("--to", *sw_to, "The new primary: a node name or HOST:PORT (default: the most advanced replica)");
  sw->add_option("--state-dir", *sw_dir, "State dir of the stack")->capture_default_str();
  sw->add_option("--config", *sw_config, "A topology of real hosts")->check(CLI::ExistingFile);
  sw->add_option("--secrets", *sw_secrets, "With --config: the render's secrets (default: secrets/ beside it)");
  sw->callback([=, &exit_code] { exit_code = run_switchover(*sw_dir, *sw_config, *sw_secrets, *sw_to); });
}

}  // namespace foobar::ctl
