#include "ctl/firewall.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace foobar::ctl {

namespace {

// Addresses of the hosts running role.
std::vector<std::string> hosts_with(const Topology& t, Role role) {
  std::vector<std::string> out;
  for (const auto& h : t.hosts)
    if (h.runs(role)) out.push_back(h.address);
  return out;
}

// [monitoring]/[admin] from: host names become their addresses; CIDRs stay.
std::vector<std::string> resolve(const Topology& t, const std::vector<std::string>& from) {
  std::vector<std::string> out;
  for (const auto& f : from) out.push_back(t.find_host(f) ? t.find_host(f)->address : f);
  return out;
}

std::string set_of(const std::vector<std::string>& items) {
  return items.size() == 1 ? items[0] : fmt::format("{{ {} }}", fmt::join(items, ", "));
}

std::string set_of(const std::vector<int>& ports) {
  return ports.size() == 1 ? std::to_string(ports[0]) : fmt::format("{{ {} }}", fmt::join(ports, ", "));
}

}  // namespace

std::vector<Flow> inbound_flows(const Topology& t, const Host& host) {
  std::vector<Flow> flows;
  std::vector<int> admin_ports;
  int db_port = 0;
  for (const Node& n : nodes(t)) {
    if (n.host != host.name) continue;
    const int port = n.address.port();
    switch (n.role) {
      case Role::lb: {
        std::vector<int> ports{t.lb.listen.port()};
        if (t.lb.https) ports.push_back(t.lb.https_listen.port());
        flows.push_back({{}, ports, false, "clients to the site (lb)"});
        std::vector<std::string> peers;
        for (const auto& a : hosts_with(t, Role::lb))
          if (a != host.address) peers.push_back(a);
        if (!peers.empty()) flows.push_back({peers, {}, true, "VRRP adverts from the other lb"});
        break;
      }
      case Role::web: flows.push_back({hosts_with(t, Role::lb), {port}, false, "lb hosts to this web server"}); break;
      case Role::app: flows.push_back({hosts_with(t, Role::web), {port}, false, "web hosts to this app server"}); break;
      case Role::db_primary:
      case Role::db_replica: {
        // Any database server may be the primary after a failover: the app
        // hosts and every other database server reach each one.
        db_port = port;
        auto from = hosts_with(t, Role::app);
        for (auto role : {Role::db_primary, Role::db_replica})
          for (const auto& a : hosts_with(t, role))
            if (a != host.address) from.push_back(a);
        flows.push_back({from, {port}, false, "app hosts and the other database servers to MariaDB"});
        break;
      }
    }
    if (n.admin.port()) admin_ports.push_back(n.admin.port());
  }
  if (!admin_ports.empty() && !t.monitoring_from.empty())
    flows.push_back({resolve(t, t.monitoring_from), admin_ports, false, "monitoring to the admin listeners (/metrics)"});
  if (db_port && !t.monitoring_from.empty())
    flows.push_back({resolve(t, t.monitoring_from), {db_port}, false,
                     "monitoring to MariaDB (foobar status: the monitor user's replication state)"});
  if (!t.admin_from.empty())
    flows.push_back({resolve(t, t.admin_from), {HostPorts::ssh}, false, "SSH from the admin hosts"});
  for (auto& f : flows) {  // one source twice would be a duplicate set element
    std::sort(f.from.begin(), f.from.end());
    f.from.erase(std::unique(f.from.begin(), f.from.end()), f.from.end());
  }
  return flows;
}

std::string nft_ruleset(const Topology& t, const Host& host) {
  std::string o = fmt::format(
      "#!/usr/sbin/nft -f\n"
      "# foobar firewall for host {} ({}), rendered from {} by `foobar render`: re-render, do not edit.\n"
      "# Replaces table inet foobar only; other tables (docker, libvirt...) are left alone.\n"
      "table inet foobar\n"
      "delete table inet foobar\n\n"
      "table inet foobar {{\n"
      "  chain input {{\n"
      "    type filter hook input priority filter; policy drop;\n"
      "    iif \"lo\" accept comment \"this host to itself\"\n"
      "    ct state established,related accept comment \"replies to connections this host made or accepted\"\n"
      "    ct state invalid drop\n"
      "    meta l4proto icmp icmp type {{ echo-request, destination-unreachable, time-exceeded, parameter-problem }} accept comment \"ping and path MTU discovery\"\n"
      "    meta l4proto 58 accept comment \"ICMPv6: IPv6 neighbour discovery\"\n",
      host.name, host.address, t.source);
  for (const Flow& f : inbound_flows(t, host)) {
    std::string match = f.from.empty() ? "" : "ip saddr " + set_of(f.from) + " ";
    // VRRP by number: its name needs /etc/protocols, which minimal systems lack.
    match += f.vrrp ? "ip protocol 112" : "tcp dport " + set_of(f.ports);
    o += fmt::format("    {} accept comment \"{}\"\n", match, f.why);
  }
  o += "  }\n}\n";
  return o;
}

}  // namespace foobar::ctl
