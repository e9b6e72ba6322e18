#pragma once
// Cluster-test hosts: one network namespace per host, all on one LAN (a bridge
// in a namespace of its own), so every role runs on its own address and a
// host's link can be cut like a pulled cable (packets silently dropped, no RST).
// Nothing outside the namespaces this creates is touched. Needs root.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace foobar::test {

class Lan {
 public:
  // Hosts get 10.201.0.10, .11, ... in the order named.
  explicit Lan(const std::vector<std::string>& hosts);
  ~Lan();
  Lan(const Lan&) = delete;
  Lan& operator=(const Lan&) = delete;

  // Why cluster tests cannot run here ("" when they can): not root, no netns.
  static std::string unavailable();

  std::string address(const std::string& host) const;  // "10.201.0.N"
  // argv run inside the host's namespace (for Process).
  std::vector<std::string> exec(const std::string& host, const std::vector<std::string>& argv) const;
  // Runs fn on a thread inside the host's namespace and waits for it.
  void run_in(const std::string& host, const std::function<void()>& fn) const;
  // Cuts / restores the host's link to the LAN (its switch port goes down / up).
  void cut(const std::string& host) const;
  void restore(const std::string& host) const;

 private:
  void remove() noexcept;  // every namespace this made (missing ones are fine)
  std::size_t index(const std::string& host) const;
  std::string ns(std::size_t i) const;
  std::string prefix_;
  std::string switch_ns_;
  std::vector<std::string> hosts_;
};

}  // namespace foobar::test
