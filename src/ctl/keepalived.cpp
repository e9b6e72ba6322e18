#include "ctl/keepalived.hpp"

#include <fmt/format.h>

namespace foobar::ctl {

std::string keepalived_config(const Topology& t, const Host& host, const std::string& binary) {
  const std::string& vip = t.lb.vip;
  const int router_id = t.lb.virtual_router_id;
  // Priorities just below 255 (the address owner's): a backup that hears
  // priority 0 waits its skew time, (256 - priority) / 256 adverts, before it
  // takes the VIP, so 250 gives ~2 ms where 100 would give 61 ms with no host
  // holding the VIP.
  int priority = 250, rank = 0;
  std::vector<std::string> peers;
  std::string admin;
  for (const Node& n : nodes(t)) {
    if (n.role != Role::lb) continue;
    if (n.host == host.name) {
      priority = 250 - rank;
      admin = n.admin.str();
    } else {
      peers.push_back(t.find_host(n.host)->address);
    }
    ++rank;
  }
  std::string o = fmt::format(
      "# keepalived for host {} ({}), rendered from {} by `foobar render`: re-render, do not edit.\n"
      "global_defs {{\n"
      "  router_id {}\n"
      "  vrrp_version 3\n"
      "  enable_script_security\n"
      "  script_user nobody\n"
      "}}\n\n"
      "# The lb is alive while its admin listener answers. keepalived runs checks at\n"
      "# whole-second intervals, so each run of the probe watches for 950 ms, asking\n"
      "# every 50 ms, and fails at the first miss: this host goes to FAULT, advertises\n"
      "# priority 0, and the peer takes the VIP within about 100 milliseconds.\n"
      "vrrp_script foobar_lb {{\n"
      "  script \"{} probe --address {} --path /stats.json --watch-ms 950 --every-ms 50 --timeout-ms 200\"\n"
      "  interval 1\n"
      "  timeout 2\n"
      "  fall 1\n"
      "  rise 2\n"
      "}}\n\n"
      "vrrp_instance foobar {{\n"
      "  state BACKUP\n"
      "  nopreempt\n"
      "  interface {}\n"
      "  virtual_router_id {}\n"
      "  priority {}\n"
      "  advert_int 0.1\n"
      "  unicast_src_ip {}\n"
      "  unicast_peer {{\n",
      host.name, host.address, t.source, host.name, binary, admin, t.lb.interface, router_id, priority, host.address);
  for (const auto& p : peers) o += fmt::format("    {}\n", p);
  o += fmt::format(
      "  }}\n"
      "  virtual_ipaddress {{\n"
      "    {} dev {}\n"
      "  }}\n"
      "  track_script {{\n"
      "    foobar_lb\n"
      "  }}\n"
      "}}\n",
      vip, t.lb.interface);
  return o;
}

}  // namespace foobar::ctl
