#pragma once
// Progress lines of `foobar up`: one line per step with its outcome and duration,
// flushed at once (a test or a pipe reads them as they come).
#include <chrono>
#include <string>

namespace foobar::ctl {

class Progress {
 public:
  // Starts timing a step.
  void begin(std::string step);
  void ok(const std::string& detail = "");
  void skipped(const std::string& why);
  void failed(const std::string& why = "");
  // A free-standing line (supervision events, hints), flushed.
  static void line(const std::string& text);

 private:
  void finish(const char* outcome, const std::string& detail);
  std::string step_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace foobar::ctl
