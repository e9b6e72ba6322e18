#pragma once
// The command line of each role process `foobar up` starts: this same binary
// with the role's subcommand and flags (issues 2, 3, 4 define them).
#include <filesystem>
#include <string>
#include <vector>

#include "ctl/state_dir.hpp"
#include "ctl/supervisor.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

// Where the site lives: static files (site/public) and the schema (site/schema.sql).
struct SitePaths {
  std::filesystem::path root;
  std::filesystem::path schema;
  std::filesystem::path alert_rules;  // foobar.rules.yml beside the site ("" when not found)
};

// The topology's paths, else site/ next to the binary (build/foobar, build/debug/foobar,
// an installed share/foobar/site) or in the working directory. Throws with what was tried.
SitePaths find_site(const Topology& topo);
// The alert rules beside a site: the repository's deploy/prometheus/, or the
// package's share/foobar/prometheus/ ("" when neither has them).
std::filesystem::path alert_rules_beside(const std::filesystem::path& site);

// The lb's --acme-* flags for the topology's acme settings, keeping its files in dir.
std::vector<std::string> acme_flags(const LbAcme& acme, const std::filesystem::path& dir);

// The child spec for an lb, web or app node (not the database nodes).
ChildSpec role_spec(const Topology& topo, const Node& node, const StateDir& dir, const SitePaths& site);

}  // namespace foobar::ctl
