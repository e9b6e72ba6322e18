#pragma once
// `foobar render`: everything one host of a real-hosts topology needs, generated
// from the one topology file — systemd units, role configs, keepalived.conf for
// the lb pair, the nftables ruleset, MariaDB's config and bootstrap SQL, and the
// secrets (shared by every host's render, kept beside the topology file).
#include <filesystem>
#include <string>
#include <vector>

#include "ctl/topology.hpp"

namespace foobar::ctl {

struct RenderOptions {
  std::string host;                    // the [[host]] to render
  std::filesystem::path out;           // written as a tree that mirrors the host's / (etc/..., ...)
  // Where that tree lives on the host: every path in the files starts here.
  // "/" for real hosts; the cluster test renders with prefix == out.
  std::filesystem::path prefix = "/";
  std::filesystem::path binary = "/usr/bin/foobar";
  std::filesystem::path site = "/usr/share/foobar/site";  // public/ and schema.sql (read here, at render time)
  std::filesystem::path secrets;       // passwords and the local CA; "": secrets/ beside the topology file
};

struct RenderedFile {
  std::filesystem::path path;  // relative to the host's root
  std::string text;
  unsigned mode = 0644;
};

// secrets/ beside the topology file: where render keeps (and status reads) the secrets.
std::filesystem::path default_secrets_dir(const std::filesystem::path& config);

// The host's files. Throws ConfigError for an unknown host, std::runtime_error
// when a secret, certificate or the schema cannot be read or made.
std::vector<RenderedFile> render_host(const Topology& topo, RenderOptions options);

// The monitoring host's files (options.host unused): Prometheus's config
// scraping every node's admin listener, the alert rules, Alertmanager's config
// sending to each lb, and the admin token it sends. Prometheus and Alertmanager
// listen where Debian's packages do (127.0.0.1:9090, :9093 here).
std::vector<RenderedFile> render_monitoring(const Topology& topo, const RenderOptions& options);

// Writes the files under options.out (directories created, modes set).
void write_rendered(const std::vector<RenderedFile>& files, const std::filesystem::path& out);

// `foobar render`: --check validates and prints the plan; else renders one host
// (or, with monitoring, the monitoring host). Returns the exit code.
int run_render(const std::string& config, const RenderOptions& options, bool check_only, bool monitoring = false);

}  // namespace foobar::ctl
