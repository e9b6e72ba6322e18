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

// prometheus.yml: one job per role (foobar-lb, foobar-web, foobar-app), each
// node a target with its name as the `node` label; Prometheus itself.
std::string prometheus_config(const Topology& topo, const std::string& rules_file);
// alertmanager.yml: every alert to the lb's admin listener (resolved ones too),
// with the admin bearer token from admin_token_file.
std::string alertmanager_config(const Topology& topo, const std::filesystem::path& admin_token_file);

// Writes both configs and returns the two supervised children.
std::vector<ChildSpec> monitoring_specs(const Topology& topo, const StateDir& dir, const SitePaths& site);

}  // namespace foobar::ctl
