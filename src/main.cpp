// foobar: one binary, one subcommand per server role. Dispatch only.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "app/command.hpp"
#include "core/config.hpp"
#include "ctl/command.hpp"
#include "lb/command.hpp"
#include "web/command.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"foobar: a three-tier web infrastructure in one binary\n"
               "  client -> foobar lb -> foobar web -> foobar app -> MariaDB primary + replicas",
               "foobar"};
  cli.set_version_flag("--version", "foobar " FOOBAR_VERSION);
  cli.require_subcommand(1);
  int exit_code = 0;
  foobar::lb::add_command(cli, exit_code);
  foobar::web::add_command(cli, exit_code);
  foobar::app::add_command(cli, exit_code);
  foobar::ctl::add_commands(cli, exit_code);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error (a bad or missing flag) exits 2.
    return cli.exit(e) == 0 ? 0 : 2;
  } catch (const foobar::core::ConfigError& e) {
    fmt::print(stderr, "foobar: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "foobar: {}\n", e.what());
    return 1;
  }
  return exit_code;
}
