#pragma once
// Prometheus and Alertmanager beside `foobar up`'s stack: generated configs in
// the state dir (monitoring/), every node scraped every 5 s, the rules of
// deploy/prometheus/foobar.rules.yml evaluated every 5 s, alerts sent to the
// lb's admin listener (POST /alerts), which `foobar status` reads back.
#include <filesystem>
#include <string>
#include <vector>

#include "ctl/roles.hpp"
#include "ctl/state_dir.hpp"
#include "ctl/supervisor.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

// "" when Prometheus and Alertmanager are installed; else what is missing.
std::string monitoring_missing();
// True when foobar up runs prometheus-mysqld-exporter beside each database
// node: monitoring on, the package installed, databases in the topology.
bool mysqld_exporters_wanted(const Topology& topo);

// Where Prometheus and Alertmanager listen ("HOST:PORT").
struct MonitoringAddresses {
  std::string prometheus, alertmanager;
};

// prometheus.yml: one job per role (foobar-lb, foobar-web, foobar-app), each
// node a target with its name as the `node` label; Prometheus itself; with
// exporters, job mysqld: each database node's exporter, labelled the same way.
std::string prometheus_config(const Topology& topo, const MonitoringAddresses& at, const std::string& rules_file,
                              bool mysqld_exporters = false);
// alertmanager.yml: every alert to each lb's admin listener (resolved ones
// too), with the admin bearer token from admin_token_file.
std::string alertmanager_config(const Topology& topo, const std::filesystem::path& admin_token_file);

// Writes both configs and returns the supervised children: Prometheus,
// Alertmanager and, when wanted, one exporter per database node (its
// credentials in a 0600 client config in the secrets dir, never in argv).
std::vector<ChildSpec> monitoring_specs(const Topology& topo, const StateDir& dir, const SitePaths& site);

}  // namespace foobar::ctl
