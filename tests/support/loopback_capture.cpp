#include "support/loopback_capture.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace foobar::test {

LoopbackCapture::LoopbackCapture(std::vector<std::set<int>> groups)
    : groups_(std::move(groups)), taken_(groups_.size()) {
  fd_ = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd_ < 0) return;
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_ALL);
  at.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
  timeval tv{0, 100000};  // wakes to see stop_
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  thread_ = std::thread([this] { run(); });
}

LoopbackCapture::~LoopbackCapture() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> LoopbackCapture::taken() {
  std::lock_guard lock(mu_);
  return taken_;
}

void LoopbackCapture::run() {
  std::string frame(70000, '\0');
  while (!stop_) {
    const auto n = ::recv(fd_, frame.data(), frame.size(), 0);
    if (n < static_cast<ssize_t>(sizeof(ether_header) + sizeof(iphdr))) continue;
    // Copied out: the headers sit at any alignment in the frame.
    iphdr ip;
    std::memcpy(&ip, frame.data() + sizeof(ether_header), sizeof ip);
    if (ip.version != 4 || ip.protocol != IPPROTO_TCP) continue;
    const std::size_t ip_len = ip.ihl * 4u, total = ntohs(ip.tot_len);
    const std::size_t at = sizeof(ether_header) + ip_len;
    if (at + sizeof(tcphdr) > static_cast<std::size_t>(n)) continue;
    tcphdr tcp;
    std::memcpy(&tcp, frame.data() + at, sizeof tcp);
    const std::size_t data = at + tcp.doff * 4u, end = sizeof(ether_header) + total;
    if (data >= end || end > static_cast<std::size_t>(n)) continue;
    const int src = ntohs(tcp.source), dst = ntohs(tcp.dest);
    std::lock_guard lock(mu_);
    for (std::size_t g = 0; g < groups_.size(); ++g)
      if (groups_[g].count(src) || groups_[g].count(dst)) taken_[g].append(frame, data, end - data);
  }
}

}  // namespace foobar::test
