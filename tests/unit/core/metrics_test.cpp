#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace foobar::core::metrics {
namespace {

TEST(Metrics, EverySeriesIsExportedAtZeroBeforeUse) {
  Registry r(2);
  r.counter("t_requests_total", "Requests.", {{"code", "2xx"}});
  r.counter("t_requests_total", "Requests.", {{"code", "5xx"}});
  r.gauge("t_open", "Open.");
  r.histogram("t_seconds", "Time.");
  EXPECT_EQ(r.render(),
            "# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n"
            "t_requests_total{code=\"2xx\"} 0\nt_requests_total{code=\"5xx\"} 0\n"
            "# HELP t_open Open.\n# TYPE t_open gauge\nt_open 0\n"
            "# HELP t_seconds Time.\n# TYPE t_seconds histogram\n"
            "t_seconds_bucket{le=\"0.001\"} 0\nt_seconds_bucket{le=\"0.0025\"} 0\nt_seconds_bucket{le=\"0.005\"} 0\n"
            "t_seconds_bucket{le=\"0.01\"} 0\nt_seconds_bucket{le=\"0.025\"} 0\nt_seconds_bucket{le=\"0.05\"} 0\n"
            "t_seconds_bucket{le=\"0.1\"} 0\nt_seconds_bucket{le=\"0.3\"} 0\nt_seconds_bucket{le=\"0.5\"} 0\n"
            "t_seconds_bucket{le=\"1\"} 0\nt_seconds_bucket{le=\"2.5\"} 0\nt_seconds_bucket{le=\"5\"} 0\n"
            "t_seconds_bucket{le=\"10\"} 0\nt_seconds_bucket{le=\"+Inf\"} 0\nt_seconds_sum 0\nt_seconds_count 0\n");
}

TEST(Metrics, WorkersCellsAreSummedAtScrape) {
  Registry r(2);
  auto& c = r.counter("t_total", "T.");
  auto& g = r.gauge("t_open", "Open.");
  std::thread a([&] {
    for (int i = 0; i < 100000; ++i) c.add(0);
    g.add(0, 5);
  });
  std::thread b([&] {
    for (int i = 0; i < 100000; ++i) c.add(1);
    g.sub(1, 2);  // a worker may close connections another opened: its own cell goes below 0
  });
  a.join();
  b.join();
  EXPECT_EQ(c.value(), 200000u);
  EXPECT_EQ(g.value(), 3);
}

TEST(Metrics, HistogramBucketsAreUpperBoundsInclusive) {
  Registry r(1);
  auto& h = r.histogram("t_seconds", "T.", {{"role", "web"}});
  h.observe(0, 0.1);    // on a bound: in le="0.1"
  h.observe(0, 0.2);    // le="0.3"
  h.observe(0, 99.0);   // only +Inf
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.sum, 99.3);
  const auto text = r.render();
  EXPECT_NE(text.find("t_seconds_bucket{role=\"web\",le=\"0.05\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{role=\"web\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{role=\"web\",le=\"0.3\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{role=\"web\",le=\"10\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{role=\"web\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r(1);
  r.callback("t_info", "Info.", {{"path", "a\"b\\c\nd"}}, [] { return 1.0; });
  EXPECT_NE(r.render().find("t_info{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << r.render();
}

TEST(Metrics, OneNameHasOneType) {
  Registry r(1);
  r.counter("t_x", "X.");
  EXPECT_THROW(r.gauge("t_x", "X."), std::logic_error);
}

TEST(Metrics, ProcessSeriesReadThisProcess) {
  Registry r(1);
  add_process_metrics(r, "web", "1.2.3");
  const auto text = r.render();
  EXPECT_NE(text.find("foobar_build_info{role=\"web\",version=\"1.2.3\"} 1\n"), std::string::npos);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_max_fds ", "process_start_time_seconds "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
  // Started within the last hour, by the clock.
  const auto at = text.find("\nprocess_start_time_seconds ");
  const double start = std::stod(text.substr(at + 28));
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);
}

}  // namespace
}  // namespace foobar::core::metrics
