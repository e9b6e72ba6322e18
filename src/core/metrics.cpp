#include "core/metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace foobar::core::metrics {

std::uint64_t detail::Cells::sum() const noexcept {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < workers_; ++i) n += cells_[i].get();
  return n;
}

Histogram::Histogram(unsigned workers) : cells_(std::make_unique<Cells[]>(workers)), workers_(workers) {}

void Histogram::observe(unsigned worker, double seconds) noexcept {
  auto& c = cells_[worker];
  const auto b = static_cast<std::size_t>(std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  auto bump = [](std::atomic<std::uint64_t>& a, std::uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  };
  bump(c.buckets[b], 1);
  bump(c.sum_us, seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1e6)) : 0);
}

Histogram::Snapshot Histogram::snapshot() const noexcept {
  Snapshot s;
  std::uint64_t sum_us = 0;
  for (unsigned w = 0; w < workers_; ++w) {
    for (std::size_t b = 0; b < s.buckets.size(); ++b) s.buckets[b] += cells_[w].buckets[b].load(std::memory_order_relaxed);
    sum_us += cells_[w].sum_us.load(std::memory_order_relaxed);
  }
  for (auto n : s.buckets) s.count += n;
  s.sum = static_cast<double>(sum_us) / 1e6;
  return s;
}

Registry::Family& Registry::family(std::string_view name, std::string_view help, Type type) {
  for (auto& f : families_)
    if (f->name == name) {
      if (f->type != type) throw std::logic_error("metric " + f->name + " registered with two types");
      return *f;
    }
  families_.push_back(std::make_unique<Family>(Family{std::string(name), std::string(help), type, {}}));
  return *families_.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
  auto& s = family(name, help, Type::counter).series.emplace_back();
  s.labels = std::move(labels);
  s.counter = std::make_unique<Counter>(workers_);
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
  auto& s = family(name, help, Type::gauge).series.emplace_back();
  s.labels = std::move(labels);
  s.gauge = std::make_unique<Gauge>(workers_);
  return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, Labels labels) {
  auto& s = family(name, help, Type::histogram).series.emplace_back();
  s.labels = std::move(labels);
  s.histogram = std::make_unique<Histogram>(workers_);
  return *s.histogram;
}

void Registry::callback(std::string_view name, std::string_view help, Labels labels, std::function<double()> read,
                        bool counter) {
  auto& s = family(name, help, counter ? Type::counter : Type::gauge).series.emplace_back();
  s.labels = std::move(labels);
  s.read = std::move(read);
}

namespace {

// Label values escaped as the text format wants: backslash, quote, newline.
std::string label_text(const Labels& labels, std::string_view extra_key = {}, std::string_view extra_value = {}) {
  std::string out;
  auto add = [&](std::string_view k, std::string_view v) {
    out += out.empty() ? "{" : ",";
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_key.empty()) add(extra_key, extra_value);
  return out.empty() ? out : out + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

std::string Registry::render() const {
  std::string o;
  o.reserve(families_.size() * 256);
  for (const auto& f : families_) {
    const char* type = f->type == Type::counter ? "counter" : f->type == Type::gauge ? "gauge" : "histogram";
    o += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f->name, f->help, f->name, type);
    for (const auto& s : f->series) {
      if (s.histogram) {
        const auto snap = s.histogram->snapshot();
        std::uint64_t cum = 0;
        for (std::size_t b = 0; b < kBuckets.size(); ++b) {
          cum += snap.buckets[b];
          o += fmt::format("{}_bucket{} {}\n", f->name, label_text(s.labels, "le", number(kBuckets[b])), cum);
        }
        o += fmt::format("{}_bucket{} {}\n", f->name, label_text(s.labels, "le", "+Inf"), snap.count);
        o += fmt::format("{}_sum{} {}\n", f->name, label_text(s.labels), number(snap.sum));
        o += fmt::format("{}_count{} {}\n", f->name, label_text(s.labels), snap.count);
      } else if (s.counter) {
        o += fmt::format("{}{} {}\n", f->name, label_text(s.labels), s.counter->value());
      } else if (s.gauge) {
        o += fmt::format("{}{} {}\n", f->name, label_text(s.labels), s.gauge->value());
      } else {
        o += fmt::format("{}{} {}\n", f->name, label_text(s.labels), number(s.read()));
      }
    }
  }
  return o;
}

namespace {

// /proc/self/stat fields after the command name: utime (14), stime (15), starttime (22).
struct ProcStat {
  double cpu_seconds = 0;
  double start_ticks = 0;
};
ProcStat read_stat() {
  std::ifstream in("/proc/self/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  ProcStat s;
  const auto close = all.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(all.substr(close + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(rest), {}};
  // rest starts at field 3 (state): field N is f[N - 3]
  if (f.size() < 20) return s;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / tick;
  s.start_ticks = std::stod(f[19]);
  return s;
}

double boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void add_process_metrics(Registry& r, std::string_view role, std::string_view version) {
  r.callback("foobar_build_info", "1, labelled with the role and the foobar version.",
             {{"role", std::string(role)}, {"version", std::string(version)}}, [] { return 1.0; });
  r.callback("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {},
             [] { return read_stat().cpu_seconds; }, true);
  r.callback("process_resident_memory_bytes", "Resident memory size in bytes.", {}, [] {
    std::ifstream in("/proc/self/statm");
    double size = 0, resident = 0;
    in >> size >> resident;
    return resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
  });
  r.callback("process_open_fds", "Open file descriptors.", {}, [] {
    std::error_code ec;
    double n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
      ++n;
    return n;
  });
  r.callback("process_max_fds", "The limit on open file descriptors.", {}, [] {
    rlimit l{};
    return ::getrlimit(RLIMIT_NOFILE, &l) == 0 ? static_cast<double>(l.rlim_cur) : 0.0;
  });
  const double start = boot_time() + read_stat().start_ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  r.callback("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", {},
             [start] { return start; });
}

}  // namespace foobar::core::metrics
