#!/usr/bin/env bash
# The cost of metrics: foobar web and foobar lb with an admin listener (every
# request counted and timed into the registry) vs without (nothing recorded),
# side by side, rounds alternating; then the lb's /metrics with 100 backends:
# scrape time and size. Must: on/off >= 0.97; aim: scrape <= 5 ms, <= 300 KiB.
# Usage: bench/metrics.sh   (env: DURATION=5 ROUNDS=3 CONNECTIONS=64)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_workdir metrics
mkdir -p "$work/root"
random_file 4096 "$work/root/4k.html"

web_on=$(free_port); web_on_admin=$(free_port); web_off=$(free_port)
spawn 0 "$FOOBAR" web --listen "127.0.0.1:$web_on" --admin "127.0.0.1:$web_on_admin" --root "$work/root" \
  --threads 1 --access-log off > "$work/web-on.log" 2>&1
spawn 0 "$FOOBAR" web --listen "127.0.0.1:$web_off" --root "$work/root" --threads 1 --access-log off \
  > "$work/web-off.log" 2>&1
backend=$(free_port)
spawn any "$FOOBAR" web --listen "127.0.0.1:$backend" --root "$work/root" --threads 1 --access-log off \
  > "$work/backend.log" 2>&1
lb_on=$(free_port); lb_on_admin=$(free_port); lb_off=$(free_port)
spawn 0 "$FOOBAR" lb --listen "127.0.0.1:$lb_on" --admin "127.0.0.1:$lb_on_admin" --threads 1 --access-log off \
  --backend "127.0.0.1:$backend" > "$work/lb-on.log" 2>&1
spawn 0 "$FOOBAR" lb --listen "127.0.0.1:$lb_off" --threads 1 --access-log off --backend "127.0.0.1:$backend" \
  > "$work/lb-off.log" 2>&1
for p in "$web_on" "$web_off" "$backend" "$lb_on" "$lb_off"; do wait_port "$p"; done
sleep 2  # the lbs' health checks mark the backend up
for p in "$web_on" "$web_off" "$lb_on" "$lb_off"; do check_serves "port $p" "http://127.0.0.1:$p/4k.html" "$work/root/4k.html"; done

echo "metrics on (admin listener, every request counted and timed) vs off: wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, one thread each, 4 KiB file"
printf '%-24s %12s %12s %7s\n' setup "on req/s" "off req/s" ratio
pair() {  # pair LABEL ON_PORT OFF_PORT
  local on=() off=()
  for round in $(seq "$ROUNDS"); do
    on+=("$(wrk_rps "http://127.0.0.1:$2/4k.html")")
    off+=("$(wrk_rps "http://127.0.0.1:$3/4k.html")")
  done
  local a b
  a=$(median "${on[@]}"); b=$(median "${off[@]}")
  printf '%-24s %12s %12s %7s\n' "$1" "$a" "$b" "$(ratio "$a" "$b")"
}
pair "foobar web" "$web_on" "$web_off"
pair "foobar lb -> web" "$lb_on" "$lb_off"

# /metrics with 100 backends (TCP checks; most are down: the series are there either way).
args=()
for i in $(seq 100); do args+=(--backend "127.0.0.1:$((20000 + i))"); done
big=$(free_port); big_admin=$(free_port)
spawn any "$FOOBAR" lb --listen "127.0.0.1:$big" --admin "127.0.0.1:$big_admin" --threads 1 --access-log off \
  --health-check tcp "${args[@]}" > "$work/lb-100.log" 2>&1
wait_port "$big_admin"
# $1: the format's name, $2: the Accept header a scraper sends for it.
scrape_cost() {
  curl -s -H "Accept: $2" "http://127.0.0.1:$big_admin/metrics" > "$work/metrics.txt"
  local times=() i size series
  for i in $(seq 30); do
    times+=("$(curl -s -o /dev/null -H "Accept: $2" -w '%{time_total}' "http://127.0.0.1:$big_admin/metrics")")
  done
  size=$(wc -c < "$work/metrics.txt")
  series=$(grep -vc '^#' "$work/metrics.txt")
  echo "lb /metrics with 100 backends, $1: $series series, $((size / 1024)) KiB, scrape median $(python3 -c "import sys; print(f'{float(sys.argv[1])*1000:.2f}')" "$(median "${times[@]}")") ms (curl time_total, 30 scrapes)"
}
scrape_cost "text 0.0.4" "text/plain"
scrape_cost "OpenMetrics (as Prometheus asks)" \
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
