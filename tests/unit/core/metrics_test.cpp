#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
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
  r.counter("t_x_total", "X.");
  EXPECT_THROW(r.gauge("t_x_total", "X."), std::logic_error);
  EXPECT_THROW(r.counter("t_y", "Y."), std::logic_error);  // OpenMetrics wants counters to end in _total
}

TEST(Metrics, OpenMetricsWhenTheScraperAsksForIt) {
  // The Accept header Prometheus 2.42 (Debian 12) sends, captured from a scrape.
  EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                      "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::OpenMetrics);
  EXPECT_EQ(negotiate(""), Format::Text);
  EXPECT_EQ(negotiate("*/*"), Format::Text);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4"), Format::Text);
  EXPECT_EQ(negotiate("Application/OpenMetrics-Text; version=1.0.0"), Format::OpenMetrics);
  EXPECT_EQ(negotiate("application/openmetrics-text;q=0, text/plain"), Format::Text);
  EXPECT_EQ(content_type(Format::OpenMetrics), "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

// OpenMetrics: counter families named without _total, an exemplar (the
// request's trace id, its value and when) on the bucket it fell in, # EOF.
TEST(Metrics, OpenMetricsCarriesExemplars) {
  Registry r(2);
  r.counter("t_requests_total", "Requests \"sent\".").add(1, 2);
  auto& h = r.histogram("t_seconds", "Time.");
  const std::string older(32, 'a'), newer(32, 'b');
  h.observe(0, 0.2, older);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the coarse clock ticks every few ms
  h.observe(1, 0.25, newer);                                    // same bucket, other worker, later
  h.observe(0, 0.004);                                          // no trace id: no exemplar
  h.observe(0, 0.004, "not-a-trace-id");
  const auto text = r.render(Format::OpenMetrics);
  EXPECT_TRUE(text.starts_with("# HELP t_requests Requests \\\"sent\\\".\n# TYPE t_requests counter\n"
                               "t_requests_total 2\n"))
      << text;
  const auto bucket = text.find("t_seconds_bucket{le=\"0.3\"} 4 # {trace_id=\"" + newer + "\"} 0.25 ");
  ASSERT_NE(bucket, std::string::npos) << text;
  const double at = std::stod(text.substr(text.find("0.25 ", bucket) + 5));
  EXPECT_NEAR(at, static_cast<double>(std::time(nullptr)), 5);
  EXPECT_NE(text.find("t_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("t_seconds_count 4\n# EOF\n")) << text;
  // The text format has neither.
  EXPECT_EQ(r.render().find('#', r.render().find("t_seconds_bucket")), std::string::npos);
}

// A scrape never sees one request's trace id with another's value, however
// often the worker overwrites the exemplar.
TEST(Metrics, ExemplarsAreReadWhole) {
  Registry r(1);
  auto& h = r.histogram("t_seconds", "Time.");
  const std::string a(32, 'a'), b(32, 'b');
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2'000'000 && !stop; ++i) h.observe(0, i % 2 ? 0.0011 : 0.0012, i % 2 ? a : b);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (h.exemplars()[1].unix_seconds == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  int torn = 0, seen = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto e = h.exemplars()[1];  // le="0.0025"
    if (e.unix_seconds == 0) continue;
    ++seen;
    const std::string id(e.trace_id.data(), e.trace_id.size());
    torn += !((id == a && e.value == 0.0011) || (id == b && e.value == 0.0012));
  }
  stop = true;
  writer.join();
  EXPECT_GT(seen, 0);
  EXPECT_EQ(torn, 0);
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
