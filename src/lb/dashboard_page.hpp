#pragma once
// The one-page dashboard the lb's admin listener serves at /dashboard: plain
// HTML and JavaScript with Chart.js (Debian's libjs-chart.js, served at
// /dashboard/chart.js), querying Prometheus through /dashboard/api/v1/ every 5 s.
#include <string_view>

namespace foobar::lb {

inline constexpr const char* kChartJs = "/usr/share/javascript/chart.js/chart.min.js";

std::string_view dashboard_page() noexcept;

}  // namespace foobar::lb
