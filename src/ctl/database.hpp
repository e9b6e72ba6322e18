#pragma once
// The database steps of `foobar up`, on top of the MariaDB bootstrap library
// (ctl/mariadb.hpp): data dirs on first run, configs, mariadbd processes under
// the supervisor, users, schema, replication and catch-up.
#include <functional>

#include "ctl/db_status.hpp"
#include "ctl/mariadb.hpp"
#include "ctl/progress.hpp"
#include "ctl/roles.hpp"
#include "ctl/state_dir.hpp"
#include "ctl/supervisor.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

// "" when mariadbd and mariadb-install-db are installed; else the error, naming `make deps`.
std::string mariadb_missing();

// The database servers of the topology, as foobar up runs them in dir.
std::vector<std::pair<Node, MariadbInstance>> database_instances(const Topology& topo, const StateDir& dir);

// The monitor account of foobar up's stack in dir, with the local CA when its
// servers speak TLS only.
DbLogin stack_db_login(const Topology& topo, const StateDir& dir);

// The same on real hosts, from the secrets dir foobar render used (monitor.password
// and tls/ca.pem): what foobar status and switchover use with --config.
DbLogin hosts_db_login(const Topology& topo, const std::filesystem::path& secrets);

// Makes every running server load its certificate again (FLUSH SSL), after a renewal.
void reload_database_certificates(const Topology& topo, const StateDir& dir);

// Runs every database step, each with a progress line; the mariadbds become
// children of sup. Throws std::runtime_error on the first failure (its line printed).
void start_database(const Topology& topo, const StateDir& dir, const SitePaths& site, Supervisor& sup,
                    Progress& progress, const std::function<bool()>& interrupted);

}  // namespace foobar::ctl
