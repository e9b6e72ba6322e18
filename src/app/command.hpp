#pragma once
namespace CLI {
class App;
}

namespace foobar::app {

// Adds `foobar app` to the CLI; its callback runs the role and stores the exit code.
void add_command(CLI::App& cli, int& exit_code);

}  // namespace foobar::app
