#include "proxy/upstream_metrics.hpp"

#include <chrono>
#include <string>

namespace foobar::proxy {

using core::metrics::Labels;

namespace {

Labels with(const Labels& base, std::string_view key, std::string value) {
  Labels l = base;
  l.emplace_back(std::string(key), std::move(value));
  return l;
}

std::string class_label(std::size_t k) { return std::to_string(k + 1) + "xx"; }

// The admin pages' state names, in HAProxy's words (UP, DOWN, DRAIN, MAINT).
constexpr std::array<std::pair<ServerState, std::string_view>, 4> kStates{
    {{ServerState::Up, "up"}, {ServerState::Down, "down"}, {ServerState::Draining, "drain"},
     {ServerState::Disabled, "maint"}}};

}  // namespace

UpstreamMetrics::UpstreamMetrics(core::metrics::Registry& r, std::shared_ptr<const UpstreamGroup> g,
                                 std::string_view prefix, Labels labels) {
  const std::string p(prefix);
  const std::string b = p + "_backend";
  servers_.resize(g->size());
  for (std::size_t i = 0; i < g->size(); ++i) {
    const Labels l = with(labels, "backend", g->servers()[i].name());
    auto& s = servers_[i];
    s.requests = &r.counter(b + "_requests_total", "Requests sent to the backend.", l);
    s.errors = &r.counter(b + "_errors_total", "Connect failures, invalid or missing responses, timeouts.", l);
    s.retries = &r.counter(b + "_retries_total", "Requests sent to the backend again, on a new connection.", l);
    s.redispatches =
        &r.counter(b + "_redispatches_total", "Requests moved to another backend after a failure on this one.", l);
    for (std::size_t k = 0; k < s.responses.size(); ++k)
      s.responses[k] =
          &r.counter(b + "_responses_total", "Responses from the backend by status class.", with(l, "code", class_label(k)));
    s.sent_bytes = &r.counter(b + "_sent_bytes_total", "Request bytes (head and body) sent to the backend.", l);
    s.received_bytes = &r.counter(b + "_received_bytes_total", "Response body bytes received from the backend.", l);
    s.response_time = &r.histogram(b + "_response_time_seconds",
                                   "Time from the request sent to the backend's response head.", l);
    r.callback(b + "_up", "1 when the backend passes its health checks.", l,
               [g, i] { return g->snapshot()->servers[i].healthy ? 1.0 : 0.0; });
    r.callback(b + "_serving", "1 when the backend may take new requests (up and enabled).", l,
               [g, i] { return g->snapshot()->servers[i].state == ServerState::Up ? 1.0 : 0.0; });
    for (const auto& [state, name] : kStates)
      r.callback(b + "_state", "1 for the backend's state: up, down, drain (draining) or maint (disabled).",
                 with(l, "state", std::string(name)),
                 [g, i, state] { return g->snapshot()->servers[i].state == state ? 1.0 : 0.0; });
    r.callback(b + "_active_requests", "Requests in flight to the backend.", l,
               [g, i] { return static_cast<double>(g->counters(i).active.load(std::memory_order_relaxed)); });
    r.callback(b + "_max_active_requests", "The backend's maxconn (0: unlimited).", l,
               [g, i] { return static_cast<double>(g->servers()[i].maxconn); });
    r.callback(b + "_check_failures_total", "Active health checks of the backend that failed.", l,
               [g, i] { return static_cast<double>(g->history(i).check_failures); }, true);
    r.callback(b + "_transitions_total", "Times the backend went down or came back up.", l,
               [g, i] { return static_cast<double>(g->history(i).transitions); }, true);
    r.callback(b + "_downtime_seconds_total", "Time the backend has been down.", l,
               [g, i] { return std::chrono::duration<double>(g->history(i).downtime).count(); }, true);
  }
  for (std::size_t k = 0; k < responses_.size(); ++k)
    responses_[k] = &r.counter(p + "_responses_total", "Responses sent to clients by status class.",
                               with(labels, "code", class_label(k)));
  duration_ = &r.histogram(p + "_request_duration_seconds", "Time from request head to the end of the response.", labels);
  queued_ = &r.gauge(p + "_queued_requests", "Requests waiting for a backend below its maxconn.", labels);
  queue_wait_ = &r.histogram(p + "_queue_wait_seconds", "Time requests waited in the maxconn queue.", labels);
}

void UpstreamMetrics::count_response(unsigned worker, int status) const noexcept {
  const int cls = status / 100 - 1;
  if (cls >= 0 && cls < 5) responses_[static_cast<std::size_t>(cls)]->add(worker);
}

}  // namespace foobar::proxy
