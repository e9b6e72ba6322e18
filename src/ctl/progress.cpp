#include "ctl/progress.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace foobar::ctl {

void Progress::begin(std::string step) {
  step_ = std::move(step);
  start_ = std::chrono::steady_clock::now();
}

void Progress::ok(const std::string& detail) { finish("ok", detail); }
void Progress::skipped(const std::string& why) { finish("skipped", why); }
void Progress::failed(const std::string& why) { finish("FAILED", why); }

void Progress::finish(const char* outcome, const std::string& detail) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string text = detail.empty() ? step_ : fmt::format("{} ({})", step_, detail);
  fmt::print("  {:<7} {:<64} {:>6.2f} s\n", outcome, text, secs);
  std::fflush(stdout);
}

void Progress::line(const std::string& text) {
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

}  // namespace foobar::ctl
