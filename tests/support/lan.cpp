#include "support/lan.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"

namespace foobar::test {

namespace {

void sh(const std::string& command) {
  int status = 0;
  std::string out = run(command + " 2>&1", &status);
  if (status != 0) throw std::runtime_error("`" + command + "` failed: " + out);
}

}  // namespace

std::string Lan::unavailable() {
  if (::geteuid() != 0) return "cluster tests need root (network namespaces)";
  // Everything a Lan needs, once, in a namespace of its own: a namespace, a bridge, a veth pair.
  const std::string probe = "fbprobe" + std::to_string(::getpid());
  int status = 0;
  std::string out = run("ip netns add " + probe + " 2>&1 && ip -n " + probe + " link add br0 type bridge 2>&1 && ip -n " +
                            probe + " link add fbva type veth peer name fbvb 2>&1",
                        &status);
  run("ip netns del " + probe + " 2>/dev/null");
  return status == 0 ? "" : "network namespaces, bridges or veth pairs unavailable: " + out;
}

Lan::Lan(const std::vector<std::string>& hosts)
    : prefix_("fb" + std::to_string(::getpid()) + "-"), switch_ns_(prefix_ + "lan"), hosts_(hosts) {
  try {
    sh("ip netns add " + switch_ns_);
    sh("ip -n " + switch_ns_ + " link add br0 type bridge && ip -n " + switch_ns_ + " link set br0 up");
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      const std::string port = "p" + std::to_string(i);
      sh("ip netns add " + ns(i));
      sh("ip link add eth0 netns " + ns(i) + " type veth peer name " + port + " netns " + switch_ns_);
      sh("ip -n " + switch_ns_ + " link set " + port + " master br0 up");
      sh("ip -n " + ns(i) + " addr add " + address(hosts_[i]) + "/24 dev eth0");
      sh("ip -n " + ns(i) + " link set eth0 up && ip -n " + ns(i) + " link set lo up");
    }
  } catch (...) {
    remove();
    throw;
  }
}

Lan::~Lan() { remove(); }

void Lan::remove() noexcept {
  // Deleting a namespace removes its ends of the veth pairs; the bridge goes with its own.
  try {
    for (std::size_t i = 0; i < hosts_.size(); ++i) run("ip netns del " + ns(i) + " 2>/dev/null");
    run("ip netns del " + switch_ns_ + " 2>/dev/null");
  } catch (...) {
  }
}

std::size_t Lan::index(const std::string& host) const {
  auto it = std::find(hosts_.begin(), hosts_.end(), host);
  if (it == hosts_.end()) throw std::invalid_argument("no host " + host);
  return static_cast<std::size_t>(it - hosts_.begin());
}

std::string Lan::ns(std::size_t i) const { return prefix_ + hosts_[i]; }

std::string Lan::address(const std::string& host) const { return "10.201.0." + std::to_string(10 + index(host)); }

std::vector<std::string> Lan::exec(const std::string& host, const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"ip", "netns", "exec", ns(index(host))};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void Lan::run_in(const std::string& host, const std::function<void()>& fn) const {
  const std::string path = "/var/run/netns/" + ns(index(host));
  std::exception_ptr error;
  std::thread t([&] {
    try {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("cannot enter " + path);
      ::close(fd);
      fn();  // this thread only: the test's other threads stay where they are
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
}

void Lan::cut(const std::string& host) const {
  sh("ip -n " + switch_ns_ + " link set p" + std::to_string(index(host)) + " down");
}

void Lan::restore(const std::string& host) const {
  sh("ip -n " + switch_ns_ + " link set p" + std::to_string(index(host)) + " up");
}

}  // namespace foobar::test
