#pragma once
// keepalived.conf for an lb host: VRRPv3 with 100 ms adverts to unicast peers,
// the virtual IP on the configured interface, and the lb process watched by
// `foobar probe` so the VIP leaves a host whose lb died.
#include <string>

#include "ctl/topology.hpp"

namespace foobar::ctl {

// The config for host (which runs the lb role; topo.lb.vip is set). The first
// lb host in the file gets the highest priority (250, then 249, ...); every instance starts BACKUP
// with nopreempt, so a returning lb does not take the VIP back and cut
// connections a second time.
// binary: the foobar binary on the host (its `probe` is the check script).
std::string keepalived_config(const Topology& topo, const Host& host, const std::string& binary);

}  // namespace foobar::ctl
