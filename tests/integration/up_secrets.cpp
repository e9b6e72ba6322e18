// No secret outside the files made for it. After a full `foobar up` (three
// database servers, HTTPS, Prometheus and Alertmanager when installed), a
// write, admin requests with the right and a wrong token, and `foobar status`
// (text and JSON): no password, token or private key appears on any of the
// stack's command lines or in its environments, in `foobar up`'s output or
// status, or in any file of the state dir but the secrets themselves and the
// servers' own data (MariaDB's master.info holds the replication password, as
// MariaDB keeps it).
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p, std::size_t limit = 64 << 20) {
  std::ifstream in(p, std::ios::binary);
  std::string s(std::istreambuf_iterator<char>(in), {});
  if (s.size() > limit) s.resize(limit);
  return s;
}

// name -> value of every secret foobar up made: the passwords and the admin
// token, and a line from the middle of each private key.
std::map<std::string, std::string> secrets_of(const fs::path& state) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(state / "secrets")) {
    auto v = slurp(e.path());
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    if (v.size() >= 16) out[e.path().filename().string()] = v;
  }
  for (const auto& e : fs::directory_iterator(state / "tls")) {
    const auto pem = slurp(e.path());
    if (pem.find("PRIVATE KEY-----") == std::string::npos) continue;
    std::istringstream lines(pem);
    std::vector<std::string> body;
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line[0] != '-') body.push_back(line);
    if (!body.empty()) out[e.path().filename().string()] = body[body.size() / 2];
  }
  return out;
}

// The pids of root and all its descendants, from /proc.
std::vector<int> process_tree(int root) {
  std::map<int, std::vector<int>> children;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = slurp(e.path() / "stat", 4096);
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    children[ppid].push_back(std::stoi(name));
  }
  std::vector<int> out{root};
  for (std::size_t i = 0; i < out.size(); ++i)
    for (int c : children[out[i]]) out.push_back(c);
  return out;
}

// Where any secret shows up in text (one line per finding).
std::string leaks(const std::map<std::string, std::string>& secrets, const std::string& where, const std::string& text) {
  std::string out;
  for (const auto& [name, value] : secrets)
    if (text.find(value) != std::string::npos) out += name + " in " + where + "\n";
  return out;
}

TEST(UpSecrets, NoSecretLeavesItsFile) {
  Stack s;
  const std::string url = s.start();
  const fs::path state = s.state_dir;
  const auto secrets = secrets_of(state);
  ASSERT_TRUE(secrets.count("admin.token") && secrets.count("app.password") && secrets.count("monitor.password") &&
              secrets.count("replication.password"))
      << "secrets made: " << secrets.size();
  int no_exporter = -1;
  run("command -v prometheus-mysqld-exporter", &no_exporter);
  if (no_exporter == 0) {
    EXPECT_TRUE(secrets.count("exporter.password")) << "the mysqld exporters' password";
  }

  // Traffic that touches every secret: a write (the app's password), the
  // monitor's checks (its password), replication, the admin API with the right
  // token and a wrong one.
  EXPECT_EQ(post_json(s.http_port, "/api/posts", R"({"author":"secrets","body":"a write"})").status, 201);
  json st = s.status();
  int lb_admin = 0;
  for (auto& n : st["nodes"])
    if (n["role"] == "lb") lb_admin = std::stoi(n["admin"].get<std::string>().substr(n["admin"].get<std::string>().rfind(':') + 1));
  ASSERT_GT(lb_admin, 0) << st.dump(2);
  const std::string drain = "POST /backends/none/drain HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n";
  EXPECT_EQ(http_raw(lb_admin, drain + "Authorization: Bearer " + secrets.at("admin.token") + "\r\n\r\n").status, 404);
  EXPECT_EQ(http_raw(lb_admin, drain + "Authorization: Bearer " + secrets.at("admin.token") + "x\r\n\r\n").status, 401);
  int rc = -1;
  const std::string status_text = run(foobar_bin() + " status --state-dir " + s.state_dir + " 2>&1", &rc);
  const std::string status_json = run(foobar_bin() + " status --json --state-dir " + s.state_dir + " 2>&1");

  // The search finds a secret where one is.
  ASSERT_EQ(leaks(secrets, "its file", slurp(state / "secrets" / "admin.token")), "admin.token in its file\n");
  std::string found;
  found += leaks(secrets, "foobar status", status_text);
  found += leaks(secrets, "foobar status --json", status_json);
  found += leaks(secrets, "foobar up's output", s.up->output());
  int processes = 0;
  for (int pid : process_tree(s.up->pid())) {
    const auto proc = fs::path("/proc") / std::to_string(pid);
    const auto cmdline = slurp(proc / "cmdline", 1 << 20);
    if (cmdline.empty()) continue;  // gone meanwhile
    ++processes;
    const auto name = cmdline.substr(0, cmdline.find('\0'));
    found += leaks(secrets, "the command line of " + name, cmdline);
    found += leaks(secrets, "the environment of " + name, slurp(proc / "environ", 1 << 20));
  }
  EXPECT_GE(processes, 9) << "foobar up, lb, 2 web, app, 3 mariadbd at least";
  int files = 0;
  for (auto it = fs::recursive_directory_iterator(state); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = fs::relative(it->path(), state);
    const auto top = rel.begin()->string();
    // The secrets' own files, and the servers' data (MariaDB's, Prometheus's TSDB, Alertmanager's).
    if (it->is_directory() && (rel == "secrets" || rel.filename() == "data" || rel == "monitoring/prometheus" ||
                               rel == "monitoring/alertmanager")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (top == "tls" && slurp(it->path()).find("PRIVATE KEY-----") != std::string::npos) continue;
    ++files;
    found += leaks(secrets, rel.string(), slurp(it->path()));
  }
  EXPECT_GE(files, 10) << "logs, configs, certificates";
  EXPECT_EQ(found, "") << "secrets found outside their files";
}

}  // namespace
}  // namespace foobar::test::up
