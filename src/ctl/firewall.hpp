#pragma once
// The nftables ruleset of one host: input policy drop, then exactly the flows
// the topology needs (clients -> lb, lb -> web, web -> app, app -> MariaDB,
// app and database servers -> every database server (any may be primary after a failover), VRRP in the lb pair, monitoring -> admin ports, admin -> SSH).
#include <string>
#include <vector>

#include "ctl/topology.hpp"

namespace foobar::ctl {

// One accepted flow into a host.
struct Flow {
  std::vector<std::string> from;  // source addresses or CIDRs; empty: anyone
  std::vector<int> ports;         // TCP ports; empty with vrrp
  bool vrrp = false;              // IP protocol 112 instead of TCP
  std::string why;                // the rule's comment
};

// The flows into host, in rule order.
std::vector<Flow> inbound_flows(const Topology& topo, const Host& host);

// foobar.nft for host: a complete `nft -f` file that replaces only table inet foobar.
std::string nft_ruleset(const Topology& topo, const Host& host);

}  // namespace foobar::ctl
