#pragma once
// A rendered systemd unit run as systemd would run it, inside a Lan host, for
// cluster tests without systemd: ExecStartPre, ExecStart (for Type=notify,
// ready when the process sends READY=1 to $NOTIFY_SOCKET), then ExecStartPost.
// Emulated: "+" and "-" command prefixes, StateDirectory=/LogsDirectory= (under
// the render prefix, owned by User=), LoadCredential= with %d, and User=/Group=
// when that user exists here (mysql does; foobar's own user does not, so its
// roles run as root, which they never need to be).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/lan.hpp"
#include "support/process.hpp"

namespace foobar::test {

// systemd's command-line splitting: words, "double" and 'single' quotes.
std::vector<std::string> split_command_line(const std::string& line);

class ServiceUnit {
 public:
  // unit: a .service file; prefix: the root the render used (its paths start there).
  ServiceUnit(const Lan& lan, std::string host, const std::filesystem::path& unit, std::filesystem::path prefix);
  ~ServiceUnit();
  ServiceUnit(const ServiceUnit&) = delete;
  ServiceUnit& operator=(const ServiceUnit&) = delete;

  // Runs the unit's start sequence; throws with the output of the step that failed.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // The ExecStart process (after start()); nullptr for a oneshot.
  Process* main() { return main_.get(); }
  void stop();  // SIGTERM the main process and wait (Restart= is not emulated)
  const std::string& name() const { return name_; }
  // Every value of key in [Service] (and [Unit], [Install]), in file order.
  std::vector<std::string> values(const std::string& key) const;

 private:
  std::vector<std::string> command(const std::string& line, bool* ignore_failure) const;
  void run_step(const std::string& line, std::chrono::milliseconds timeout) const;
  const Lan& lan_;
  std::string host_;
  std::string name_;
  std::filesystem::path prefix_;
  std::filesystem::path credentials_;
  std::multimap<std::string, std::string> keys_;
  std::unique_ptr<Process> main_;
};

}  // namespace foobar::test
