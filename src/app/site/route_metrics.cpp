#include "app/site/route_metrics.hpp"

#include <string>

namespace foobar::app::site {

RouteMetrics::RouteMetrics(core::metrics::Registry& r) {
  // Index = Route; HEAD counts with GET. "other": unknown paths and methods.
  constexpr std::string_view kNames[] = {"POST /api/posts", "GET /api/posts", "GET /api/posts/:id", "GET /api/health",
                                         "other"};
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const std::string route(kNames[i]);
    for (std::size_t k = 0; k < 5; ++k)
      routes_[i].responses[k] = &r.counter("foobar_app_requests_total", "API requests by route and status class.",
                                           {{"route", route}, {"code", std::to_string(k + 1) + "xx"}});
    routes_[i].duration = &r.histogram("foobar_app_request_duration_seconds",
                                       "Time to answer an API request, by route.", {{"route", route}});
  }
}

void RouteMetrics::observe(unsigned worker, Route route, int status, double seconds) const noexcept {
  auto& s = routes_[static_cast<std::size_t>(route)];
  const int cls = status / 100 - 1;
  if (cls >= 0 && cls < 5) s.responses[static_cast<std::size_t>(cls)]->add(worker);
  s.duration->observe(worker, seconds);
}

}  // namespace foobar::app::site
