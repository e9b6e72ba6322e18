#pragma once
// `foobar lb`: the load-balancer role (HAProxy's job).
namespace CLI {
class App;
}

namespace foobar::lb {

struct LbConfig;

// Adds the `lb` subcommand; its callback runs the role and stores the exit code.
void add_command(CLI::App& cli, int& exit_code);

// Runs the role until SIGTERM/SIGINT; returns the exit code.
int run(const LbConfig& cfg);

}  // namespace foobar::lb
