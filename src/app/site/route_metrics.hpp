#pragma once
// The API's series per route template (never a raw path, so the label values
// stay bounded): foobar_app_requests_total{route,code} and
// foobar_app_request_duration_seconds{route}. Each worker writes its own cells.
#include <array>
#include <cstdint>
#include <string_view>

#include "core/metrics.hpp"

namespace foobar::app::site {

enum class Route : std::uint8_t { CreatePost, ListPosts, GetPost, Health, Other };

class RouteMetrics {
 public:
  explicit RouteMetrics(core::metrics::Registry& registry);
  void observe(unsigned worker, Route route, int status, double seconds) const noexcept;

 private:
  struct Series {
    std::array<core::metrics::Counter*, 5> responses{};  // 1xx .. 5xx
    core::metrics::Histogram* duration = nullptr;
  };
  std::array<Series, 5> routes_{};
};

}  // namespace foobar::app::site
