#pragma once
// `foobar up` and `foobar down`: start the whole stack, supervise it, stop it.
#include <chrono>
#include <optional>
#include <string>

namespace foobar::ctl {

struct UpOptions {
  std::string config;                // "" -> built-in default topology
  std::string state_dir = ".foobar";
  std::optional<int> http_port;
  std::optional<int> port_base;
  std::optional<int> https_port;
  bool detach = false;
  bool print_config = false;
};

// Exit codes: 0 stopped cleanly (or detached with the stack up), 1 start failed,
// 2 invalid config or usage.
int run_up(const UpOptions& opt);

// Stops the stack a detached (or any) `foobar up` runs in state_dir and waits
// until it and every node are gone. 0 when stopped, 1 when nothing ran, 2 timeout.
int run_down(const std::string& state_dir, std::chrono::seconds timeout = std::chrono::seconds(90));

}  // namespace foobar::ctl
