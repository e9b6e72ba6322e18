// Monitoring end to end under `foobar up`: its Prometheus scrapes every node,
// the rules fire, Alertmanager delivers to the lb's /alerts, and `foobar
// status` shows it. Faults: a replica's SQL thread stopped (the alert must reach
// Alertmanager within 60 s) and a web server frozen (SIGSTOP: the supervisor
// does not restart it, the lb's health checks fail). The times are printed.
#include <ctime>
#include <iostream>
#include <map>
#include <set>

#include "up_support.hpp"

namespace foobar::test::up {
namespace {

using Clock = std::chrono::steady_clock;

// Names of the alerts Alertmanager holds as active.
std::vector<std::string> active_alerts(const std::string& alertmanager_url) {
  std::vector<std::string> out;
  auto j = json::parse(run("curl -sf " + alertmanager_url + "api/v2/alerts?active=true"), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& a : j) out.push_back(a["labels"].value("alertname", ""));
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

// Seconds until pred holds (polled every 250 ms); -1 after timeout.
template <class Pred>
double seconds_until(Pred pred, std::chrono::seconds timeout) {
  const auto t0 = Clock::now();
  if (!eventually(pred, timeout, 250ms)) return -1;
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

TEST(UpMonitoring, AlertsReachAlertmanagerAndTheStack) {
  int found = -1;
  run("command -v prometheus && command -v prometheus-alertmanager", &found);
  if (found != 0)
    GTEST_SKIP() << "prometheus or prometheus-alertmanager missing (make deps installs them)";
  Stack s;
  s.start();
  json st = s.status();
  const std::string prometheus = st["prometheus_url"], alertmanager = st["alertmanager_url"];
  ASSERT_FALSE(prometheus.empty()) << st.dump(2);
  ASSERT_FALSE(alertmanager.empty());
  int lb_admin = 0;
  for (auto& n : st["nodes"]) {
    if (n["role"] == "lb") lb_admin = std::stoi(n["admin"].get<std::string>().substr(10));
    if (n.contains("admin")) {
      EXPECT_EQ(n["metrics_url"], "http://" + n["admin"].get<std::string>() + "/metrics");
    }
  }
  ASSERT_GT(lb_admin, 0);
  int db_nodes = 0;
  for (auto& n : st["nodes"]) db_nodes += n["role"].get<std::string>().starts_with("db-");
  ASSERT_EQ(db_nodes, 3) << st.dump(2);  // a primary and two replicas
  int no_exporter = -1;
  run("command -v prometheus-mysqld-exporter", &no_exporter);
  const int exporters = no_exporter == 0 ? db_nodes : 0;

  // Every node a healthy target of Prometheus: lb, web1, web2, app1, app2,
  // Prometheus itself, and each database server's exporter.
  std::map<std::string, int> up_by_job;
  EXPECT_TRUE(eventually([&] {
    auto t = json::parse(run("curl -sf " + prometheus + "api/v1/targets"), nullptr, false);
    if (t.is_discarded()) return false;
    up_by_job.clear();
    int up = 0;
    for (auto& a : t["data"]["activeTargets"]) {
      up += a["health"] == "up";
      up_by_job[a["labels"]["job"].get<std::string>()] += a["health"] == "up";
    }
    return up == 6 + exporters;
  }, 30s, 500ms)) << "mysqld targets up: " << up_by_job["mysqld"];
  if (exporters) {
    // The exporter's account has what its collectors need: the server is up to it,
    // and the replicas' replication threads are visible (REPLICA MONITOR).
    auto q = [&](const std::string& expr) {
      return json::parse(run("curl -sf " + prometheus + "api/v1/query --data-urlencode 'query=" + expr + "'"), nullptr,
                         false);
    };
    EXPECT_TRUE(eventually([&] {
      auto up = q("sum(mysql_up)"), sql = q("sum(mysql_slave_status_slave_sql_running)");
      return !up.is_discarded() && !sql.is_discarded() && !up["data"]["result"].empty() &&
             !sql["data"]["result"].empty() && up["data"]["result"][0]["value"][1] == std::to_string(db_nodes) &&
             sql["data"]["result"][0]["value"][1] == std::to_string(db_nodes - 1);
    }, 30s, 500ms)) << q("mysql_up").dump() << q("mysql_slave_status_slave_sql_running").dump();
  }

  // Prometheus parses our OpenMetrics (every target above is scraped so) and
  // keeps its exemplars: a request's trace id, sent to the lb, is its latency
  // bucket's exemplar there. (At the web servers the lb's health checks, each
  // with its own trace id, take the same bucket's exemplar a second later.)
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  const int lb_port = std::stoi(st["url"].get<std::string>().substr(17));
  ASSERT_EQ(http_get(lb_port, "/", {"traceparent: 00-" + trace + "-b7ad6b7169203331-01"}).status, 200);
  std::set<std::string> jobs_with_trace;
  EXPECT_TRUE(eventually([&] {
    const auto now = std::to_string(std::time(nullptr));
    auto e = json::parse(run("curl -sf " + prometheus + "api/v1/query_exemplars --data-urlencode "
                             "'query=foobar_http_request_duration_seconds_bucket' --data-urlencode start=" +
                             std::to_string(std::time(nullptr) - 600) + " --data-urlencode end=" + now),
                         nullptr, false);
    if (e.is_discarded()) return false;
    for (auto& series : e["data"])
      for (auto& x : series["exemplars"])
        if (x["labels"]["trace_id"] == trace) jobs_with_trace.insert(series["seriesLabels"]["job"].get<std::string>());
    return jobs_with_trace.count("foobar-lb") > 0;
  }, 30s, 1s)) << "no exemplar with the trace id at the lb";

  // The always-firing watchdog arrives at the stack's own receiver.
  const double watchdog = seconds_until([&] { return http_get(lb_admin, "/alerts").body.find("\"Watchdog\"") != std::string::npos; }, 60s);
  EXPECT_GE(watchdog, 0) << "the Watchdog never reached the lb's /alerts";
  EXPECT_NE(run(foobar_bin() + " status --state-dir " + s.state_dir).find("alerts firing: Watchdog"), std::string::npos);

  // A replica's SQL thread stopped.
  const std::string replica_sock = s.state_dir + "/db/db-replica1/mysqld.sock";
  int rc = -1;
  run("mariadb --user=root --socket=" + replica_sock + " -e 'STOP SLAVE SQL_THREAD'", &rc);
  ASSERT_EQ(rc, 0);
  const double sql_stopped = seconds_until([&] { return has(active_alerts(alertmanager), "ReplicaSqlThreadStopped"); }, 60s);
  EXPECT_GE(sql_stopped, 0) << "ReplicaSqlThreadStopped never reached Alertmanager";
  run("mariadb --user=root --socket=" + replica_sock + " -e 'START SLAVE SQL_THREAD'");

  // A web server frozen: alive for the supervisor, dead for the lb.
  const int web1 = s.node("web1")["pid"];
  ::kill(web1, SIGSTOP);
  const double backend_down = seconds_until([&] { return has(active_alerts(alertmanager), "BackendDown"); }, 60s);
  ::kill(web1, SIGCONT);
  EXPECT_GE(backend_down, 0) << "BackendDown never reached Alertmanager";
  EXPECT_LE(backend_down, 20);
  std::cout << "alert latencies: watchdog at the lb's /alerts " << watchdog << " s after the stack was up; "
            << "ReplicaSqlThreadStopped in Alertmanager " << sql_stopped << " s after STOP SLAVE SQL_THREAD; "
            << "BackendDown " << backend_down << " s after SIGSTOP of web1\n";

  // Ctrl-C stops Prometheus and Alertmanager with the rest.
  s.up->signal(SIGINT);
  ASSERT_EQ(s.up->wait_exit(90s), 0) << s.up->output();
  for (const std::string& url : {prometheus, alertmanager})
    EXPECT_TRUE(port_free(std::stoi(url.substr(url.rfind(':') + 1)))) << url;
}

}  // namespace
}  // namespace foobar::test::up
