#pragma once
// What travels on the loopback, for tests that show traffic is (or is not)
// encrypted: the test's own AF_PACKET socket on "lo" (root only), TCP
// payloads kept per group of ports (a segment is kept when either end is one
// of the group's ports). Captures from construction to destruction.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace foobar::test {

class LoopbackCapture {
 public:
  explicit LoopbackCapture(std::vector<std::set<int>> groups);
  ~LoopbackCapture();
  LoopbackCapture(const LoopbackCapture&) = delete;
  LoopbackCapture& operator=(const LoopbackCapture&) = delete;

  bool ok() const { return fd_ >= 0; }  // false: no AF_PACKET socket (not root)
  // The payloads seen so far, one string per group.
  std::vector<std::string> taken();

 private:
  void run();
  std::vector<std::set<int>> groups_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> taken_;
};

}  // namespace foobar::test
