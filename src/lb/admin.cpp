#include "lb/admin.hpp"

#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "http/error_response.hpp"
#include "lb/dashboard_page.hpp"

namespace foobar::lb {

using proxy::ProxyService;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

nlohmann::json stats(const ProxyService& svc) {
  const auto& g = svc.group();
  auto snap = g.snapshot();
  nlohmann::json backends = nlohmann::json::array();
  for (std::size_t i = 0; i < g.size(); ++i) {
    const auto& s = g.servers()[i];
    const auto& st = snap->servers[i];
    const auto& m = svc.metrics().server(i);
    nlohmann::json resp;
    for (std::size_t k = 0; k < m.responses.size(); ++k) resp[fmt::format("{}xx", k + 1)] = m.responses[k]->value();
    backends.push_back({
        {"backend", s.name()},
        {"state", proxy::to_string(st.state)},
        {"healthy", st.healthy},
        {"admin", proxy::to_string(st.admin)},
        {"backup", s.backup},
        {"weight", s.weight},
        {"maxconn", s.maxconn},
        {"active", g.counters(i).active.load()},
        {"requests", m.requests->value()},
        {"errors", m.errors->value()},
        {"retries", m.retries->value()},
        {"redispatches", m.redispatches->value()},
        {"responses", resp},
        {"check", st.check},
        {"last_change", iso_time(st.changed)},
    });
  }
  nlohmann::json responses;
  for (int k = 1; k <= 5; ++k) responses[fmt::format("{}xx", k)] = svc.metrics().responses(k);
  return {
      {"balance", proxy::to_string(svc.options().algorithm)},
      {"health_check", proxy::describe(svc.check())},
      {"using_backups", snap->using_backups},
      {"backends", backends},
      {"responses", responses},
  };
}

asio::awaitable<void> reply(http::Exchange& ex, int status, std::string_view type, const std::string& body) {
  auto& h = ex.begin(status);
  h.add("Content-Type", type);
  h.add("Cache-Control", "no-store");
  h.add("Content-Length", body.size());
  co_await ex.send(body);
}

}  // namespace

std::string render_stats_json(const ProxyService& svc) { return stats(svc).dump(2) + "\n"; }

std::string render_stats_html(const ProxyService& svc) {
  const auto j = stats(svc);
  std::string out = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>foobar lb stats</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{padding:.35em .8em;border-bottom:1px solid #ddd;text-align:left}
th{background:#f4f4f4}.up{color:#080;font-weight:600}.down{color:#c00;font-weight:600}
.draining,.disabled{color:#a60;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>foobar lb</h1>
)";
  out += fmt::format("<p>balance <b>{}</b>, health check <b>{}</b>{}. This page refreshes every 2 s; "
                     "also <a href=\"/stats.json\">/stats.json</a> and <a href=\"/metrics\">/metrics</a>.</p>\n",
                     html_escape(j["balance"].get<std::string>()), html_escape(j["health_check"].get<std::string>()),
                     j["using_backups"].get<bool>() ? ", <b>serving from backup servers</b>" : "");
  out += "<table><tr><th>backend</th><th>role</th><th>state</th><th>weight</th><th>active</th><th>requests</th>"
         "<th>errors</th><th>2xx</th><th>4xx</th><th>5xx</th><th>health check</th><th>last change</th></tr>\n";
  for (const auto& b : j["backends"]) {
    const auto state = b["state"].get<std::string>();
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>"
        "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(b["backend"].get<std::string>()), b["backup"].get<bool>() ? "backup" : "primary", state, state,
        b["weight"].get<unsigned>(), b["active"].get<std::int64_t>(), b["requests"].get<std::uint64_t>(),
        b["errors"].get<std::uint64_t>(), b["responses"]["2xx"].get<std::uint64_t>(),
        b["responses"]["4xx"].get<std::uint64_t>(), b["responses"]["5xx"].get<std::uint64_t>(),
        html_escape(b["check"].get<std::string>()), html_escape(b["last_change"].get<std::string>()));
  }
  out += "</table>\n</body></html>\n";
  return out;
}

asio::awaitable<http::Outcome> AdminHandler::handle(http::Exchange& ex) {
  int status = 200;
  std::string type = "text/plain";
  std::string body;
  if (ex.request().path == "/metrics") {
    co_await metrics_.handle(ex);
    co_return http::Outcome::Handled;
  }
  if (ex.request().path.starts_with("/dashboard")) {
    co_await dashboard(ex);
    co_return http::Outcome::Handled;
  }
  if (ex.request().path == "/alerts" && ex.request().method == http::Method::Post) {
    std::string payload;  // bounded by the admin listener's body limit (1 MiB)
    for (error_code ec;;) {
      auto chunk = co_await ex.read_body(ec);
      if (ec || chunk.empty()) break;
      payload.append(chunk);
    }
    if (alerts_->receive(payload))
      co_await reply(ex, 200, "text/plain", "ok\n");
    else
      co_await http::send_error(ex, 400, "expected an Alertmanager webhook payload");
    co_return http::Outcome::Handled;
  }
  route(ex.request(), status, type, body);
  if (status == 200) {
    co_await reply(ex, status, type, body);
  } else {
    if (body.ends_with('\n')) body.pop_back();
    co_await http::send_error(ex, status, body);
  }
  co_return http::Outcome::Handled;
}

// /dashboard: the page, Chart.js from Debian's libjs-chart.js, and read-only
// Prometheus queries relayed to --prometheus (the page works offline: no CDN).
asio::awaitable<void> AdminHandler::dashboard(http::Exchange& ex) {
  const auto& req = ex.request();
  const std::string_view path = req.path;
  if (req.method != http::Method::Get && req.method != http::Method::Head) {
    co_await http::send_error(ex, 405, "use GET");
    co_return;
  }
  if (!prometheus_) {
    co_await http::send_error(ex, 404, "no dashboard: start the lb with --prometheus HOST:PORT");
    co_return;
  }
  if (path == "/dashboard" || path == "/dashboard/") {
    co_await reply(ex, 200, "text/html; charset=utf-8", std::string(dashboard_page()));
    co_return;
  }
  if (path == "/dashboard/chart.js") {
    std::ifstream in(kChartJs, std::ios::binary);
    if (!in) {
      co_await http::send_error(ex, 404, std::string(kChartJs) + " missing (make deps installs libjs-chart.js)");
      co_return;
    }
    std::string js((std::istreambuf_iterator<char>(in)), {});
    co_await reply(ex, 200, "text/javascript; charset=utf-8", js);
    co_return;
  }
  constexpr std::string_view api = "/dashboard/api/v1/";
  const auto what = path.starts_with(api) ? path.substr(api.size()) : std::string_view();
  if (what != "query" && what != "query_range" && what != "alerts") {
    co_await http::send_error(ex, 404);
    co_return;
  }
  std::string target = "/api/v1/" + std::string(what);
  if (!req.query.empty()) target += "?" + std::string(req.query);
  auto r = co_await http::fetch(ex.executor(), prometheus_->endpoint(),
                                fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", target,
                                            prometheus_->str()),
                                http::Method::Get, std::chrono::seconds(5));
  if (r.status == 0) {
    co_await http::send_error(ex, 502, "Prometheus at " + prometheus_->str() + ": " + r.error);
    co_return;
  }
  co_await reply(ex, r.status, "application/json", r.body);
}

void AdminHandler::route(const http::Request& req, int& status, std::string& type, std::string& body) {
  const auto path = req.path;
  const bool get = req.method == http::Method::Get || req.method == http::Method::Head;
  auto page = [&](std::string_view t, auto render) {
    if (!get) {
      status = 405;
      body = "use GET\n";
      return;
    }
    type = t;
    body = render(*svc_);
  };
  if (path == "/stats" || path == "/stats/" || path == "/") return page("text/html; charset=utf-8", render_stats_html);
  if (path == "/stats.json") return page("application/json", render_stats_json);
  if (path == "/alerts") return page("application/json", [this](const ProxyService&) { return alerts_->firing_json(); });

  constexpr std::string_view prefix = "/backends/";
  status = 404;
  body = "not found\n";
  if (!path.starts_with(prefix)) return;
  const auto rest = path.substr(prefix.size());
  const auto slash = rest.rfind('/');
  if (slash == std::string_view::npos) return;
  const auto name = rest.substr(0, slash);
  const auto action = rest.substr(slash + 1);
  proxy::AdminState target;
  if (action == "drain") target = proxy::AdminState::Draining;
  else if (action == "disable") target = proxy::AdminState::Disabled;
  else if (action == "enable") target = proxy::AdminState::Enabled;
  else {
    body = "unknown action (drain, disable, enable)\n";
    return;
  }
  if (req.method != http::Method::Post) {
    status = 405;
    body = "use POST\n";
    return;
  }
  const int idx = svc_->group().find(name);
  if (idx < 0) {
    body = fmt::format("no backend {}\n", name);
    return;
  }
  const auto i = static_cast<std::size_t>(idx);
  svc_->group().set_admin(i, target);
  auto snap = svc_->group().snapshot();
  nlohmann::json j{{"backend", std::string(name)},
                   {"admin", proxy::to_string(target)},
                   {"state", proxy::to_string(snap->servers[i].state)},
                   {"active", svc_->group().counters(i).active.load()}};
  status = 200;
  type = "application/json";
  body = j.dump() + "\n";
}

}  // namespace foobar::lb
