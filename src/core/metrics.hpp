#pragma once
// The metrics registry every role exports on its admin listener's /metrics
// (Prometheus text format 0.0.4, or OpenMetrics 1.0.0 with exemplars when the
// scraper asks for it). Each series keeps one cell per worker
// thread, written only by that thread (a relaxed load and store, no shared
// read-modify-write on the request path) and summed at scrape. Every series is
// registered before the first request, so it is exported at 0 from the start.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foobar::core::metrics {

// One bucket set everywhere (seconds), so latency SLOs (0.1, 0.3, 1 s) can be
// computed across roles.
inline constexpr std::array<double, 13> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.3,   0.5,    1,     2.5,  5,     10};

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Format : std::uint8_t { Text, OpenMetrics };
// What a scraper's Accept header asks for: OpenMetrics when it admits
// application/openmetrics-text (Prometheus does by default), else text 0.0.4.
Format negotiate(std::string_view accept) noexcept;
std::string_view content_type(Format format) noexcept;

namespace detail {
// A single-writer cell on its own cache line (workers never share a line).
struct alignas(64) Cell {
  std::atomic<std::uint64_t> v{0};
  void add(std::uint64_t n) noexcept { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { v.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

// One cell per worker; the value is their sum.
class Cells {
 public:
  explicit Cells(unsigned workers) : cells_(std::make_unique<Cell[]>(workers)), workers_(workers) {}
  void add(unsigned worker, std::uint64_t n = 1) noexcept { cells_[worker].add(n); }
  std::uint64_t sum() const noexcept;

 protected:
  void set(unsigned worker, std::uint64_t n) noexcept { cells_[worker].set(n); }

 private:
  std::unique_ptr<Cell[]> cells_;
  unsigned workers_;
};
}  // namespace detail

// A monotonically increasing count; add() only from worker `worker`'s thread.
class Counter : public detail::Cells {
 public:
  using Cells::Cells;
  std::uint64_t value() const noexcept { return sum(); }
};

// A level that goes up and down (open connections): each worker moves its own
// cell, or sets it to its own share (a per-worker pool's size); the sum is the
// value (a cell may wrap below zero on its own: the sum, modulo 2^64, is still right).
class Gauge : public detail::Cells {
 public:
  using Cells::Cells;
  void sub(unsigned worker, std::uint64_t n = 1) noexcept { add(worker, std::uint64_t{0} - n); }
  using Cells::set;
  std::int64_t value() const noexcept { return static_cast<std::int64_t>(sum()); }
};

// Observations in kBuckets (sum kept in microseconds). An observation may
// carry a trace id: each bucket keeps the latest as its exemplar (OpenMetrics),
// so a slow bucket links to one real slow request.
class Histogram {
 public:
  static constexpr std::size_t kTraceIdSize = 32;  // W3C trace-id: 32 lower-case hex digits
  static constexpr std::size_t kSlots = kBuckets.size() + 1;  // the last is +Inf

  explicit Histogram(unsigned workers);
  void observe(unsigned worker, double seconds) noexcept;
  // trace_id: kTraceIdSize characters (anything else records no exemplar).
  void observe(unsigned worker, double seconds, std::string_view trace_id) noexcept;

  struct Snapshot {
    std::array<std::uint64_t, kSlots> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const noexcept;

  struct Exemplar {
    std::array<char, kTraceIdSize> trace_id{};
    double value = 0;
    double unix_seconds = 0;  // 0: none yet
  };
  // Per bucket, the latest exemplar any worker recorded.
  std::array<Exemplar, kSlots> exemplars() const noexcept;

 private:
  struct alignas(64) Cells {
    std::array<std::atomic<std::uint64_t>, kSlots> buckets{};
    std::atomic<std::uint64_t> sum_us{0};
  };
  // One bucket's exemplar, written by its worker under a sequence lock (odd
  // while writing) so a scrape never reads half of one and half of another.
  struct ExemplarCell {
    std::atomic<std::uint64_t> seq{0};
    std::array<std::atomic<std::uint64_t>, kTraceIdSize / 8> trace_id{};
    std::atomic<std::uint64_t> value_us{0}, unix_ms{0};
  };
  struct alignas(64) ExemplarCells {
    std::array<ExemplarCell, kSlots> slot;
  };
  std::size_t bucket_of(unsigned worker, double seconds) noexcept;

  std::unique_ptr<Cells[]> cells_;
  std::unique_ptr<ExemplarCells[]> exemplars_;
  unsigned workers_;
};

class Registry {
 public:
  explicit Registry(unsigned workers) : workers_(workers) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  unsigned workers() const noexcept { return workers_; }
  // A series of the family name (help and type are the family's; the first
  // registration gives them). The reference stays valid for the registry's life.
  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, Labels labels = {});
  // A gauge (or counter, with counter = true) read at scrape time.
  void callback(std::string_view name, std::string_view help, Labels labels, std::function<double()> read,
                bool counter = false);

  // Every family, in registration order.
  std::string render(Format format = Format::Text) const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    std::string name, help;
    Type type;
    std::vector<Series> series;
  };
  Family& family(std::string_view name, std::string_view help, Type type);
  unsigned workers_;
  std::vector<std::unique_ptr<Family>> families_;
};

// foobar_build_info and the process_* series (CPU, resident memory, open and
// maximum descriptors, start time), read from /proc at scrape.
void add_process_metrics(Registry& registry, std::string_view role, std::string_view version);

}  // namespace foobar::core::metrics
