#include "core/metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/text.hpp"

namespace foobar::core::metrics {

std::uint64_t detail::Cells::sum() const noexcept {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < workers_; ++i) n += cells_[i].get();
  return n;
}

Format negotiate(std::string_view accept) noexcept {
  constexpr std::string_view kOpenMetrics = "application/openmetrics-text";
  while (!accept.empty()) {
    auto params = core::pop_item(accept, ',');
    auto type = core::trim_ows(core::pop_item(params, ';'));
    if (type.size() != kOpenMetrics.size() ||
        !std::equal(type.begin(), type.end(), kOpenMetrics.begin(),
                    [](char a, char b) { return (a | 0x20) == b || a == b; }))
      continue;
    bool refused = false;  // ";q=0"
    while (!params.empty()) {
      auto p = core::trim_ows(core::pop_item(params, ';'));
      if (p.size() > 2 && (p[0] | 0x20) == 'q' && p[1] == '=')
        refused = p.substr(2).find_first_not_of("0.") == std::string_view::npos;
    }
    if (!refused) return Format::OpenMetrics;
  }
  return Format::Text;
}

std::string_view content_type(Format format) noexcept {
  return format == Format::OpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                       : "text/plain; version=0.0.4; charset=utf-8";
}

namespace {

void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

std::uint64_t micros(double seconds) noexcept {
  return seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1e6)) : 0;
}

}  // namespace

Histogram::Histogram(unsigned workers)
    : cells_(std::make_unique<Cells[]>(workers)),
      exemplars_(std::make_unique<ExemplarCells[]>(workers)),
      workers_(workers) {}

std::size_t Histogram::bucket_of(unsigned worker, double seconds) noexcept {
  auto& c = cells_[worker];
  const auto b = static_cast<std::size_t>(std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  bump(c.buckets[b], 1);
  bump(c.sum_us, micros(seconds));
  return b;
}

void Histogram::observe(unsigned worker, double seconds) noexcept { bucket_of(worker, seconds); }

void Histogram::observe(unsigned worker, double seconds, std::string_view trace_id) noexcept {
  const std::size_t b = bucket_of(worker, seconds);
  if (trace_id.size() != kTraceIdSize) return;
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  auto& e = exemplars_[worker].slot[b];
  // The only writer of this cell: odd sequence while writing (a seqlock).
  const auto seq = e.seq.load(std::memory_order_relaxed);
  e.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t i = 0; i < e.trace_id.size(); ++i) {
    std::uint64_t word;
    std::memcpy(&word, trace_id.data() + 8 * i, 8);
    e.trace_id[i].store(word, std::memory_order_relaxed);
  }
  e.value_us.store(micros(seconds), std::memory_order_relaxed);
  e.unix_ms.store(static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1000000,
                  std::memory_order_relaxed);
  e.seq.store(seq + 2, std::memory_order_release);
}

std::array<Histogram::Exemplar, Histogram::kSlots> Histogram::exemplars() const noexcept {
  std::array<Exemplar, kSlots> out{};
  for (unsigned w = 0; w < workers_; ++w) {
    for (std::size_t b = 0; b < kSlots; ++b) {
      const auto& e = exemplars_[w].slot[b];
      Exemplar x;
      std::uint64_t before = 0;
      std::uint64_t ms = 0;
      do {  // retried while its worker writes it (a few nanoseconds)
        before = e.seq.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < e.trace_id.size(); ++i) {
          const auto word = e.trace_id[i].load(std::memory_order_relaxed);
          std::memcpy(x.trace_id.data() + 8 * i, &word, 8);
        }
        x.value = static_cast<double>(e.value_us.load(std::memory_order_relaxed)) / 1e6;
        ms = e.unix_ms.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
      } while ((before & 1) || e.seq.load(std::memory_order_relaxed) != before);
      x.unix_seconds = static_cast<double>(ms) / 1e3;
      if (x.unix_seconds > out[b].unix_seconds) out[b] = x;
    }
  }
  return out;
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
  // OpenMetrics names a counter's family without the suffix its samples carry.
  if (type == Type::counter && !name.ends_with("_total"))
    throw std::logic_error("counter " + std::string(name) + " does not end in _total");
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

// The labels' text, `{a="1",b="2"` without its closing brace (empty for no
// labels), values escaped as both formats want: backslash, quote, newline.
std::string open_labels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
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
  }
  return out;
}

// HELP text: backslash and newline escaped; OpenMetrics escapes quotes too.
std::string help_text(std::string_view help, bool om) {
  std::string out;
  for (char c : help) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || (om && c == '"')) out += '\\';
    out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

std::string Registry::render(Format format) const {
  static const auto kLe = [] {  // the buckets' le="..." values
    std::array<std::string, Histogram::kSlots> le;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) le[b] = number(kBuckets[b]);
    le.back() = "+Inf";
    return le;
  }();
  const bool om = format == Format::OpenMetrics;
  std::string o;
  o.reserve(families_.size() * 256);
  auto out = std::back_inserter(o);
  for (const auto& f : families_) {
    const char* type = f->type == Type::counter ? "counter" : f->type == Type::gauge ? "gauge" : "histogram";
    std::string_view family = f->name;
    if (om && f->type == Type::counter) family.remove_suffix(std::string_view("_total").size());
    fmt::format_to(out, "# HELP {} {}\n# TYPE {} {}\n", family, help_text(f->help, om), family, type);
    for (const auto& s : f->series) {
      const std::string open = open_labels(s.labels);
      const std::string_view close = open.empty() ? "" : "}";
      if (s.histogram) {
        const auto snap = s.histogram->snapshot();
        std::array<Histogram::Exemplar, Histogram::kSlots> exemplars{};
        if (om) exemplars = s.histogram->exemplars();
        std::uint64_t cum = 0;
        for (std::size_t b = 0; b < Histogram::kSlots; ++b) {
          cum += snap.buckets[b];
          fmt::format_to(out, "{}_bucket{}{}le=\"{}\"}} {}", f->name, open, open.empty() ? "{" : ",", kLe[b], cum);
          if (const auto& e = exemplars[b]; e.unix_seconds > 0)
            fmt::format_to(out, " # {{trace_id=\"{}\"}} {} {:.3f}",
                           std::string_view(e.trace_id.data(), e.trace_id.size()), number(e.value), e.unix_seconds);
          o += '\n';
        }
        fmt::format_to(out, "{}_sum{}{} {}\n", f->name, open, close, number(snap.sum));
        fmt::format_to(out, "{}_count{}{} {}\n", f->name, open, close, snap.count);
      } else if (s.counter) {
        fmt::format_to(out, "{}{}{} {}\n", f->name, open, close, s.counter->value());
      } else if (s.gauge) {
        fmt::format_to(out, "{}{}{} {}\n", f->name, open, close, s.gauge->value());
      } else {
        fmt::format_to(out, "{}{}{} {}\n", f->name, open, close, number(s.read()));
      }
    }
  }
  if (om) o += "# EOF\n";
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
