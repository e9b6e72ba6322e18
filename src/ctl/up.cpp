#include "ctl/up.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "ctl/database.hpp"
#include "ctl/http_probe.hpp"
#include "net/local_ca.hpp"
#include "ctl/monitoring.hpp"
#include "ctl/ports.hpp"
#include "ctl/progress.hpp"
#include "ctl/roles.hpp"
#include "ctl/stack_file.hpp"
#include "ctl/state_dir.hpp"
#include "ctl/status.hpp"
#include "ctl/supervisor.hpp"
#include "ctl/topology.hpp"

namespace foobar::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// SIGINT/SIGTERM/SIGHUP/SIGCHLD are blocked and taken synchronously, so the
// single-threaded loop decides when and in which order things stop.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set_, s);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
    ::signal(SIGPIPE, SIG_IGN);  // a closed terminal or pipe must not kill the supervisor
  }
  ~Signals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  // Waits up to timeout for a signal; true once a stop signal has arrived.
  bool wait(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000000};
    siginfo_t info;
    int s = ::sigtimedwait(&set_, &info, &ts);
    if (s == SIGINT || s == SIGTERM || s == SIGHUP) stop_signal_ = s;
    // Drain whatever else is pending without waiting.
    timespec zero{0, 0};
    while ((s = ::sigtimedwait(&set_, &info, &zero)) > 0)
      if (s == SIGINT || s == SIGTERM || s == SIGHUP) stop_signal_ = s;
    return stop_signal_ != 0;
  }
  bool stopped() { return wait(0ms); }
  int stop_signal() const { return stop_signal_; }

 private:
  sigset_t set_, old_;
  int stop_signal_ = 0;
};

std::int64_t unix_now() { return std::chrono::system_clock::now().time_since_epoch() / 1s; }

std::string log_tail(const fs::path& log, int lines) {
  std::string text = core::read_file(log);
  std::size_t pos = text.size();
  if (pos && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  std::string tail = text.substr(pos == std::string::npos ? 0 : pos + 1);
  std::string out;
  std::size_t start = 0;
  while (start < tail.size()) {
    auto end = tail.find('\n', start);
    if (end == std::string::npos) end = tail.size();
    out += "          | " + tail.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

struct Stack {
  const Topology& topo;
  StateDir& dir;
  Supervisor sup;
  StackRecord record;
  std::vector<Node> all;

  Stack(const Topology& t, StateDir& d)
      : topo(t), dir(d), sup([](const std::string& line) { Progress::line(fmt::format("foobar up: {}", line)); }),
        all(nodes(t)) {
    record.up_pid = ::getpid();
    record.started = unix_now();
    record.phase = "starting";
  }

  void save() {
    record.nodes.clear();
    auto states = sup.status();
    for (const Node& n : all) {
      NodeRecord r;
      r.name = n.name;
      r.role = std::string(role_name(n.role));
      r.address = n.address.str();
      if (n.admin.port()) r.admin = n.admin.str();
      r.state = "down";
      for (auto& s : states)
        if (s.name == n.name) {
          r.pid = s.pid;
          r.state = std::string(state_name(s.state));
          r.started = std::chrono::system_clock::to_time_t(s.started);
          r.restarts = s.restarts;
          r.last_exit = s.last_exit;
        }
      record.nodes.push_back(std::move(r));
    }
    try {
      core::write_file_atomic(dir.stack_file(), to_json(record));
    } catch (const std::exception& e) {
      Progress::line(fmt::format("foobar up: {}", e.what()));
    }
  }
};

// Starts one tier's nodes together, then waits for each; throws on the first failure.
void start_tier(Stack& st, Role role, const SitePaths& site, Progress& progress, Signals& sig) {
  std::vector<const Node*> tier;
  for (const Node& n : st.all)
    if (n.role == role) tier.push_back(&n);
  if (tier.empty()) return;
  auto t0 = std::chrono::steady_clock::now();
  for (const Node* n : tier) st.sup.start(role_spec(st.topo, *n, st.dir, site));
  st.save();
  for (const Node* n : tier) {
    progress.begin(fmt::format("start {} on {}", n->name, n->address.str()));
    auto left = 30s - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::string why = st.sup.wait_ready(n->name, std::max<std::chrono::milliseconds>(left, 1s),
                                        [&] { return sig.stopped(); });
    if (!why.empty()) {
      progress.failed(why);
      if (why != "interrupted")
        Progress::line(fmt::format("          last lines of {}:\n{}", st.dir.log(n->name).string(),
                                   log_tail(st.dir.log(n->name), 8)));
      throw std::runtime_error(why);
    }
    for (auto& s : st.sup.status())
      if (s.name == n->name) progress.ok(fmt::format("pid {}", s.pid));
  }
}

// Waits until the lb sees every web server healthy and the site answers through it.
void wait_healthy(Stack& st, Progress& progress, Signals& sig) {
  const Node* lb = nullptr;
  for (const Node& n : st.all)
    if (n.role == Role::lb) lb = &n;
  if (!lb) return;
  progress.begin("health checks pass through the lb");
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string last;
  for (;;) {
    st.sup.poll();
    auto page = http_probe(lb->address, "/", 2s);
    bool ok = page.status == 200;
    last = ok ? "" : fmt::format("GET / through the lb: {}", page.status ? std::to_string(page.status) : page.error);
    if (ok && st.topo.app.count > 0) {
      auto api = http_probe(lb->address, "/api/health", 2s);
      ok = api.status == 200;
      if (!ok) last = fmt::format("GET /api/health through the lb: {}", api.status ? std::to_string(api.status) : api.error);
    }
    if (ok) {
      // Every web server marked up by the lb's own health checks, when it tells.
      auto m = http_probe(lb->admin, "/metrics", 2s);
      if (m.status == 200 && m.body.find("foobar_lb_backend_up{") != std::string::npos) {
        for (const Node& n : st.all)
          if (n.role == Role::web &&
              m.body.find(fmt::format("foobar_lb_backend_up{{backend=\"{}\"}} 1", n.address.str())) ==
                  std::string::npos) {
            ok = false;
            last = fmt::format("the lb does not report {} up yet", n.name);
          }
      }
    }
    if (ok) {
      progress.ok();
      return;
    }
    if (sig.stopped()) {
      progress.failed("interrupted");
      throw std::runtime_error("interrupted");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      progress.failed(last);
      throw std::runtime_error(last);
    }
    std::this_thread::sleep_for(200ms);
  }
}

// Prometheus and Alertmanager, when asked for and installed: a missing one is
// a note, not a failure (the site runs without them).
void start_monitoring(Stack& st, const SitePaths& site, Progress& progress, Signals& sig) {
  if (!st.topo.monitoring.enabled) return;
  progress.begin(mysqld_exporters_wanted(st.topo) ? "start Prometheus, Alertmanager and the mysqld exporters"
                                                   : "start Prometheus and Alertmanager");
  if (auto missing = monitoring_missing(); !missing.empty()) return progress.ok("skipped: " + missing);
  if (site.alert_rules.empty()) return progress.ok("skipped: deploy/prometheus/foobar.rules.yml not found");
  std::vector<std::string> names;
  for (auto& spec : monitoring_specs(st.topo, st.dir, site)) {
    names.push_back(spec.name);
    st.sup.start(spec);
  }
  for (const auto& name : names) {
    std::string why = st.sup.wait_ready(name, 30s, [&] { return sig.stopped(); });
    if (!why.empty()) {
      progress.failed(why);
      Progress::line(fmt::format("          last lines of {}:\n{}", st.dir.log(name).string(),
                                 log_tail(st.dir.log(name), 8)));
      throw std::runtime_error(why);
    }
  }
  const auto m = monitoring_ports(st.topo);
  st.record.prometheus_url = fmt::format("http://{}:{}/", st.topo.host, m.prometheus);
  st.record.alertmanager_url = fmt::format("http://{}:{}/", st.topo.host, m.alertmanager);
  for (const Node& n : st.all)
    if (n.role == Role::lb) st.record.dashboard_url = fmt::format("http://{}/dashboard", n.admin.str());
  progress.ok(st.record.prometheus_url);
}

std::string site_url(const Topology& topo) {
  for (const Node& n : nodes(topo))
    if (n.role == Role::lb)
      return fmt::format("http://{}/", n.address.local_target().str());
  for (const Node& n : nodes(topo))
    if (n.role == Role::web) return fmt::format("http://{}/", n.address.str());
  return "";
}

// The names the local CA's certificate covers: this machine by every loopback
// name, the site's name, and the address the lb's TLS listener is on.
std::vector<std::string> local_certificate_names(const Topology& topo) {
  std::vector<std::string> names{"localhost", "127.0.0.1", "::1", "www.foobar.com"};
  if (!topo.host.empty() && topo.host != "127.0.0.1") names.push_back(topo.host);  // where the database servers listen
  const auto& ip = topo.lb.https_listen.endpoint().address();
  if (!ip.is_loopback() && !ip.is_unspecified()) names.push_back(ip.to_string());
  return names;
}

// -d: the parent shows the start-up progress, then leaves the stack to the child.
// Returns in the child (now the daemon); exits in the parent.
struct Detach {
  int ready_fd = -1;
  void fork_away() {
    int out[2], ready[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0)
      throw std::runtime_error("cannot detach: pipe failed");
    std::fflush(stdout);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot detach: fork failed");
    if (pid > 0) {
      ::close(out[1]);
      ::close(ready[1]);
      char buf[4096];
      ssize_t n;
      while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) std::fwrite(buf, 1, static_cast<std::size_t>(n), stdout);
      std::fflush(stdout);
      char c = 0;
      bool ok = ::read(ready[0], &c, 1) == 1 && c == '0';
      if (!ok) {
        int ws = 0;
        ::waitpid(pid, &ws, 0);
        std::_Exit(WIFEXITED(ws) && WEXITSTATUS(ws) ? WEXITSTATUS(ws) : 1);
      }
      std::_Exit(0);
    }
    ::setsid();  // no terminal: Ctrl-C in the shell no longer reaches the stack
    ::close(out[0]);
    ::close(ready[0]);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[1]);
    ready_fd = ready[1];
  }
  // Stack up: tell the parent, and send further output to the log file.
  void ready(const fs::path& log) {
    if (ready_fd < 0) return;
    std::fflush(stdout);
    [[maybe_unused]] auto n = ::write(ready_fd, "0", 1);
    ::close(ready_fd);
    ready_fd = -1;
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    if (null >= 0) {
      ::dup2(null, 0);
      ::close(null);
    }
  }
};

}  // namespace

int run_up(const UpOptions& opt) {
  Topology topo;
  try {
    topo = opt.config.empty() ? default_topology(opt.http_port.value_or(8080), opt.port_base.value_or(18000))
                              : load_topology(opt.config, opt.http_port, opt.port_base, opt.https_port);
    if (opt.config.empty())  // the same checks
      topo = parse_topology(to_toml(topo), "<built-in default>", {}, {}, opt.https_port);
    if (topo.on_hosts())
      throw ConfigError(opt.config + ": places roles on [[host]] entries: write each host's files with "
                        "`foobar render --config FILE --host NAME` (docs/deploy.md); `foobar up` runs one machine");
  } catch (const ConfigError& e) {
    fmt::print(stderr, "foobar up: {}\n", e.what());
    return 2;
  }
  if (opt.print_config) {
    fmt::print("{}", to_toml(topo));
    return 0;
  }

  Signals sig;
  StateDir dir(opt.state_dir);
  Progress progress;
  SitePaths site;
  net::LocalCertificates local;  // the local CA's files, when it issues the lb's certificate
  Progress::line(fmt::format("foobar up: state dir {}", dir.root().string()));
  try {
    progress.begin("check the state dir");
    dir.create();
    dir.lock();
    progress.ok(fs::exists(dir.db()) && !fs::is_empty(dir.db()) ? "existing data reused" : "new");

    progress.begin("check prerequisites");
    if (topo.db.enabled)
      if (auto missing = mariadb_missing(); !missing.empty()) throw std::runtime_error(missing);
    site = find_site(topo);
    progress.ok(site.root.empty() ? "" : "site " + site.root.string());

    progress.begin("check ports");
    std::vector<std::string> problems;
    int count = 0;
    for (const Node& n : nodes(topo)) {
      std::vector<std::pair<net::Address, std::string>> mine{{n.address, n.name}};
      if (n.admin.port()) mine.push_back({n.admin, n.name + " admin"});
      if (n.role == Role::lb && topo.lb.https) mine.push_back({topo.lb.https_listen, "lb https"});
      for (auto& [e, what] : mine) {
        ++count;
        if (auto p = port_problem(e, what); !p.empty()) problems.push_back(p);
      }
    }
    if (topo.monitoring.enabled) {
      const auto m = monitoring_ports(topo);
      for (auto [port, what] : {std::pair{m.prometheus, "prometheus"}, {m.alertmanager, "alertmanager"}}) {
        ++count;
        auto a = net::Address::parse_or_throw(fmt::format("{}:{}", topo.host, port), net::Address::Use::Listen);
        if (auto p = port_problem(a, what); !p.empty()) problems.push_back(p);
      }
    }
    if (!problems.empty()) {
      std::string all;
      for (auto& p : problems) all += (all.empty() ? "" : "; ") + p;
      throw std::runtime_error(all + " (choose others with --http-port / --port-base or the config file)");
    }
    progress.ok(fmt::format("{} free", count));
    core::write_file_atomic(dir.root() / "topology.toml", to_toml(topo));

    if ((topo.lb.enabled && topo.lb.https && topo.lb.tls_cert.empty() && !topo.lb.acme.on()) || topo.db_tls() ||
        topo.lb.backend_tls ||
        topo.web.backend_tls) {
      progress.begin("prepare the TLS certificate");
      const bool had_ca = fs::exists(net::local_certificate_paths(dir.tls()).ca_cert);
      local = net::ensure_local_certificates(dir.tls(), local_certificate_names(topo));
      progress.ok(had_ca ? "local CA reused" : "new local CA");
    }
  } catch (const std::exception& e) {
    progress.failed();
    std::fflush(stdout);
    fmt::print(stderr, "foobar up: {}\n", e.what());
    return 1;
  }

  Detach detach;
  if (opt.detach) {
    detach.fork_away();
    dir.write_owner(::getpid());
  }

  Stack st(topo, dir);
  st.record.url = site_url(topo);
  if (topo.lb.enabled && topo.lb.https)
    st.record.https_url = fmt::format("https://{}/", topo.lb.https_listen.local_target().str());
  st.save();
  int rc = 0;
  try {
    if (topo.db.enabled) start_database(topo, dir, site, st.sup, progress, [&] { return sig.stopped(); });
    st.save();
    for (Role r : {Role::app, Role::web, Role::lb}) {
      start_tier(st, r, site, progress, sig);
      st.save();
    }
    wait_healthy(st, progress, sig);
    start_monitoring(st, site, progress, sig);
    st.record.phase = "running";
    st.save();
    Progress::line("");
    Progress::line(render_table(collect_status(dir.root())));
    Progress::line(st.record.url.empty() ? "the stack is up (no web servers, so no URL)"
                                         : fmt::format("www.foobar.com is up: {}", st.record.url));
    if (topo.lb.enabled && topo.lb.https) {
      Progress::line(fmt::format("                and: {}", st.record.https_url));
      if (!local.ca_cert.empty())
        Progress::line(fmt::format(
            "HTTPS certificates come from a local CA: {}\n"
            "trust it once with: sudo cp {} /usr/local/share/ca-certificates/foobar-local-ca.crt && "
            "sudo update-ca-certificates\n"
            "(Chromium and Firefox keep their own store: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n foobar -i {})",
            local.ca_cert.string(), local.ca_cert.string(), local.ca_cert.string()));
    }
    if (!st.record.dashboard_url.empty()) Progress::line(fmt::format("dashboard: {}", st.record.dashboard_url));
    if (!st.record.prometheus_url.empty())
      Progress::line(fmt::format("monitoring: Prometheus {} (alerts {})", st.record.prometheus_url,
                                 st.record.alertmanager_url));
    Progress::line(opt.detach ? fmt::format("stop it with: foobar down --state-dir {}", dir.root().string())
                              : "Ctrl-C stops everything.");
    detach.ready(dir.logs() / "up.log");

    auto last_save = std::chrono::steady_clock::now();
    auto last_renewal_check = last_save;
    while (!sig.wait(200ms)) {
      st.sup.poll();
      // A stack that runs for months renews its certificate in place; the lb
      // notices the new files and reloads them.
      if (!local.ca_cert.empty() && std::chrono::steady_clock::now() - last_renewal_check >= 1h) {
        last_renewal_check = std::chrono::steady_clock::now();
        try {
          std::error_code ec;
          const auto issued = fs::last_write_time(local.server_cert, ec);
          net::ensure_local_certificates(dir.tls(), local_certificate_names(topo));
          if (topo.db_tls() && fs::last_write_time(local.server_cert, ec) != issued)
            reload_database_certificates(topo, dir);
        } catch (const std::exception& e) {
          Progress::line(fmt::format("foobar up: cannot renew the TLS certificate: {}", e.what()));
        }
      }
      if (std::chrono::steady_clock::now() - last_save >= 500ms) {
        st.save();
        last_save = std::chrono::steady_clock::now();
      }
    }
    Progress::line(fmt::format("foobar up: {} received, stopping everything", ::strsignal(sig.stop_signal())));
  } catch (const std::exception& e) {
    rc = 1;
    Progress::line(fmt::format("foobar up: {}; stopping what was started", e.what()));
  }
  st.record.phase = "stopping";
  st.save();
  progress.begin("stop every node (lb, web, app, replicas, primary)");
  st.sup.stop_all();
  progress.ok();
  st.record.phase = rc ? "failed" : "stopped";
  st.save();
  return rc;
}

int run_down(const std::string& state_dir, std::chrono::seconds timeout) {
  StateDir dir(state_dir);
  pid_t owner = StateDir::owner(dir.root());
  if (owner == 0) {
    fmt::print("foobar down: no running stack in {}\n", dir.root().string());
    return 1;
  }
  auto stack = read_stack(dir.stack_file());
  if (owner > 0) ::kill(owner, SIGTERM);
  fmt::print("foobar down: stopping the stack in {} (foobar up pid {})\n", dir.root().string(), owner);
  std::fflush(stdout);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (StateDir::owner(dir.root()) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      fmt::print(stderr, "foobar down: the stack did not stop within {} s\n", timeout.count());
      return 2;
    }
    std::this_thread::sleep_for(50ms);
  }
  // The supervisor stops every node before it lets go of the lock; check anyway.
  if (stack)
    for (const auto& n : stack->nodes)
      if (n.pid > 0 && ::kill(n.pid, 0) == 0)
        fmt::print(stderr, "foobar down: {} (pid {}) is still running\n", n.name, n.pid);
  fmt::print("foobar down: stopped\n");
  return 0;
}

}  // namespace foobar::ctl
