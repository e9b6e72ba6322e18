#pragma once
// `foobar up`, `foobar down`, `foobar status`: the whole stack on one machine.
namespace CLI {
class App;
}

namespace foobar::ctl {

// Adds the three subcommands; each callback runs the command and stores its exit code.
void add_commands(CLI::App& cli, int& exit_code);

}  // namespace foobar::ctl
