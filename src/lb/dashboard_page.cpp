#include "lb/dashboard_page.hpp"

namespace foobar::lb {

std::string_view dashboard_page() noexcept {
  return R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>foobar dashboard</title>
<link rel="icon" href="data:,">
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1em; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .8em; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .2em .6em; border-bottom: 1px solid #eee; }
.ok { color: #137333; } .bad { color: #c5221f; font-weight: bold; } #status { color: #666; }
</style>
<script src="/dashboard/chart.js"></script>
</head>
<body>
<h1>foobar</h1>
<p id="status">loading…</p>
<div class="grid">
  <div class="card"><h2>Requests per second, by tier</h2><canvas id="rate"></canvas></div>
  <div class="card"><h2>5xx per second, by tier</h2><canvas id="errors"></canvas></div>
  <div class="card"><h2>Latency p50 / p95 / p99 (seconds), by tier</h2><canvas id="latency"></canvas></div>
  <div class="card"><h2>Open connections, by tier</h2><canvas id="saturation"></canvas></div>
</div>
<div class="grid">
  <div class="card"><h2>Nodes</h2><table id="nodes"></table></div>
  <div class="card"><h2>Backends (lb)</h2><table id="backends"></table></div>
  <div class="card"><h2>Replication</h2><table id="replication"></table></div>
  <div class="card"><h2>Alerts firing</h2><table id="alerts"></table></div>
</div>
<script>
'use strict';
const api = '/dashboard/api/v1/';
async function query(q) {
  const r = await fetch(api + 'query?query=' + encodeURIComponent(q));
  if (!r.ok) throw new Error('Prometheus: ' + r.status);
  return (await r.json()).data.result;
}
async function range(q) {
  const end = Date.now() / 1000, start = end - 900;
  const r = await fetch(api + `query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=15`);
  if (!r.ok) throw new Error('Prometheus: ' + r.status);
  return (await r.json()).data.result;
}
const charts = {};
const palette = ['#1a73e8', '#e8710a', '#188038', '#d93025', '#9334e6', '#12b5cb', '#f9ab00', '#5f6368', '#b31412'];
function draw(id, series, label) {
  const datasets = series.map((s, i) => ({
    label: label(s.metric), data: s.values.map(([t, v]) => ({ x: t * 1000, y: Number(v) })),
    borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
    pointRadius: 0, borderWidth: 2, fill: false, tension: 0.2 }));
  if (!charts[id]) {
    charts[id] = new Chart(document.getElementById(id), {
      type: 'line', data: { datasets },
      options: { animation: false, parsing: false, scales: { x: { type: 'linear', ticks: {
        callback: (v) => new Date(v).toLocaleTimeString() } }, y: { beginAtZero: true } } } });
  } else {
    charts[id].data.datasets = datasets;
    charts[id].update();
  }
}
function table(id, head, rows) {
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  document.getElementById(id).innerHTML = '<tr>' + head.map((h) => `<th>${esc(h)}</th>`).join('') + '</tr>' +
    rows.map((r) => '<tr>' + r.map((c) => (c && c.html) ? `<td class="${c.cls}">${esc(c.html)}</td>` : `<td>${esc(c)}</td>`).join('') + '</tr>').join('');
}
const state = (good, yes, no) => ({ html: good ? yes : no, cls: good ? 'ok' : 'bad' });
const tier = (m) => (m.job || '').replace('foobar-', '');
async function refresh() {
  const [rate, errors, p50, p95, p99, conns] = await Promise.all([
    range('sum by (job) (rate(foobar_http_requests_total[1m]))'),
    range('sum by (job) (rate(foobar_http_requests_total{code="5xx"}[1m]))'),
    range('histogram_quantile(0.5, sum by (job, le) (rate(foobar_http_request_duration_seconds_bucket[1m])))'),
    range('histogram_quantile(0.95, sum by (job, le) (rate(foobar_http_request_duration_seconds_bucket[1m])))'),
    range('histogram_quantile(0.99, sum by (job, le) (rate(foobar_http_request_duration_seconds_bucket[1m])))'),
    range('sum by (job) (foobar_connections)')]);
  draw('rate', rate, tier);
  draw('errors', errors, tier);
  draw('latency', [...p50.map((s) => ({ ...s, q: 'p50' })), ...p95.map((s) => ({ ...s, q: 'p95' })),
                   ...p99.map((s) => ({ ...s, q: 'p99' }))].map((s) => ({ metric: { ...s.metric, q: s.q }, values: s.values })),
       (m) => `${tier(m)} ${m.q}`);
  draw('saturation', conns, tier);
  const [up, backends, primary, rup, io, sql, lag] = await Promise.all([
    query('up'), query('foobar_lb_backend_up'), query('max by (server) (foobar_db_node_primary)'),
    query('max by (server) (foobar_db_node_up)'), query('max by (server) (foobar_db_replica_io_running)'),
    query('max by (server) (foobar_db_replica_sql_running)'), query('max by (server) (foobar_db_replica_lag_seconds)')]);
  table('nodes', ['node', 'tier', 'address', 'state'], up.map((s) => [s.metric.node || s.metric.job, tier(s.metric),
    s.metric.instance, state(s.value[1] === '1', 'up', 'down')]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  table('backends', ['backend', 'state'], backends.map((s) => [s.metric.backend, state(s.value[1] === '1', 'up', 'down')]));
  const by = (list) => Object.fromEntries(list.map((s) => [s.metric.server, s.value[1]]));
  const [isPrimary, ioOf, sqlOf, lagOf] = [by(primary), by(io), by(sql), by(lag)];
  table('replication', ['node', 'role', 'state', 'IO thread', 'SQL thread', 'lag (s)'], rup.map((s) => {
    const n = s.metric.server, up = state(s.value[1] === '1', 'up', 'unreachable');
    return isPrimary[n] === '1' ? [n, 'primary', up, '', '', '']
      : [n, 'replica', up, state(ioOf[n] === '1', 'running', 'stopped'), state(sqlOf[n] === '1', 'running', 'stopped'), lagOf[n] ?? '?'];
  }));
  const alerts = (await (await fetch(api + 'alerts')).json()).data.alerts.filter((a) => a.state === 'firing');
  table('alerts', ['alert', 'severity', 'summary'], alerts.map((a) => [a.labels.alertname, a.labels.severity || '',
    a.annotations.summary || '']));
  document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ' (every 5 s)';
}
async function loop() {
  try { await refresh(); } catch (e) { document.getElementById('status').textContent = 'cannot reach Prometheus: ' + e.message; }
  setTimeout(loop, 5000);
}
loop();
</script>
</body>
</html>
)HTML";
}

}  // namespace foobar::lb
