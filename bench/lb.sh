#!/usr/bin/env bash
# foobar lb vs HAProxy, side by side on the same two nginx backends (one worker
# each) serving the same 4 KiB file; then the full static chain
# foobar lb -> 2x foobar web  vs  haproxy -> 2x nginx.
# One lb thread each (foobar --threads 1, haproxy nbthread 1), wrk -t1 -c64 keep-alive,
# rounds alternate between the two sides so drift hits both alike.
# Usage: bench/lb.sh   (env: DURATION=5 ROUNDS=5 CONNECTIONS=64)
set -euo pipefail
ROUNDS=${ROUNDS:-5}  # this comparison is latency-bound and noisy: more rounds for the median
source "$(dirname "$0")/lib.sh"

bench_workdir lb

mkdir -p "$work/root"
random_file 4096 "$work/root/4k.html"

# Two nginx backends, one worker each.
nports=()
for i in 1 2; do
  mkdir -p "$work/nginx$i"
  p=$(free_port); nports+=("$p")
  nginx_conf "$work/nginx$i" "$p" "$work/root"
  spawn any nginx -c "$work/nginx$i/nginx.conf" > "$work/nginx$i/out.log" 2>&1
done
# Two foobar web backends, one thread each.
wports=()
for i in 1 2; do
  p=$(free_port); wports+=("$p")
  spawn any "$FOOBAR" web --listen "127.0.0.1:$p" --root "$work/root" --threads 1 --access-log off \
    > "$work/web$i.log" 2>&1
done
for p in "${nports[@]}" "${wports[@]}"; do wait_port "$p"; done

start_foobar_lb() {  # start_foobar_lb PORT BACKEND_PORT...
  local port=$1; shift
  local args=()
  for b in "$@"; do args+=(--backend "127.0.0.1:$b"); done
  spawn 1 "$FOOBAR" lb --listen "127.0.0.1:$port" --threads 1 --access-log off "${lb_extra[@]}" "${args[@]}" \
    > "$work/lb-$port.log" 2>&1
  lb_pid[$port]=${pids[-1]}
}
start_haproxy() {  # start_haproxy PORT BACKEND_PORT...
  local port=$1
  haproxy_conf "$work/haproxy-$port.cfg" "$@"
  spawn 1 haproxy -f "$work/haproxy-$port.cfg" > "$work/haproxy-$port.log" 2>&1
  lb_pid[$port]=${pids[-1]}
}
declare -A lb_pid
lb_extra=()  # more flags for the next start_foobar_lb

# measure PORT: one wrk run against the lb on PORT; prints "REQ_PER_S CPU_US_PER_REQ", the
# second being the balancer's own CPU time (user + system) per request.
measure() { wrk_measure "http://127.0.0.1:$1/4k.html" "${lb_pid[$1]}"; }

# Tier 1: both balancers in front of the same nginx pair.
f1=$(free_port); start_foobar_lb "$f1" "${nports[@]}"
h1=$(free_port); start_haproxy "$h1" "${nports[@]}"
# Tier 2: the full static chain, each with its own backends.
f2=$(free_port); start_foobar_lb "$f2" "${wports[@]}"
h2=$(free_port); start_haproxy "$h2" "${nports[@]}"
# The cost of the per-client limits: every limit on, set so high that none refuses.
lb_extra=(--rate-limit 1000000:1000000 --rate-limit-rule "GET /=1000000:1000000" --max-connections-per-client 100000
          --connection-rate 1000000:1000000)
f3=$(free_port); start_foobar_lb "$f3" "${nports[@]}"
lb_extra=()
for p in "$f1" "$h1" "$f2" "$h2" "$f3"; do wait_port "$p"; done
# Sanity: every side answers 200 before we measure anything.
for p in "$f1" "$h1" "$f2" "$h2" "$f3"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/4k.html")
  [ "$code" = 200 ] || { echo "port $p answered $code" >&2; exit 1; }
done

echo "foobar lb vs $(haproxy -v | awk 'NR == 1 {print "HAProxy", $3}'): wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, one lb thread each, 4 KiB file"
echo "(cpu: the balancer's own CPU time per request, in microseconds; lower is better)"
printf '%-38s %13s %13s %7s %10s %11s\n' setup "foobar req/s" "haproxy req/s" ratio "foobar cpu" "haproxy cpu"
bench_pair() {  # bench_pair LABEL FOOBAR_PORT HAPROXY_PORT
  local f=() h=() fc=() hc=() m
  for round in $(seq "$ROUNDS"); do
    read -r -a m <<< "$(measure "$2")"; f+=("${m[0]}"); fc+=("${m[1]}")
    read -r -a m <<< "$(measure "$3")"; h+=("${m[0]}"); hc+=("${m[1]}")
  done
  local fm hm
  fm=$(median "${f[@]}"); hm=$(median "${h[@]}")
  printf '%-38s %13s %13s %7s %10s %11s\n' "$1" "$fm" "$hm" "$(ratio "$fm" "$hm")" \
    "$(median "${fc[@]}")" "$(median "${hc[@]}")"
}
bench_pair "lb -> 2x nginx (same backends)" "$f1" "$h1"
bench_pair "lb -> 2x web vs haproxy -> 2x nginx" "$f2" "$h2"
limited=() unlimited=()
for round in $(seq "$ROUNDS"); do
  read -r -a m <<< "$(measure "$f3")"; limited+=("${m[0]}")
  read -r -a m <<< "$(measure "$f1")"; unlimited+=("${m[0]}")
done
lm=$(median "${limited[@]}"); um=$(median "${unlimited[@]}")
echo "foobar lb with every per-client limit on (none reached) vs off: $lm vs $um req/s, ratio $(ratio "$lm" "$um")"

# Failover under load (the aim: zero failed requests, < 100 ms added to the
# slowest one): each side gets its own fresh nginx pair; one backend is
# SIGKILLed in the middle of a wrk run.
failover_run() {  # failover_run LABEL KIND(foobar|haproxy)
  local ports=() npids=()
  for i in 1 2; do
    mkdir -p "$work/fo-$2-$i"
    local p; p=$(free_port); ports+=("$p")
    nginx_conf "$work/fo-$2-$i" "$p" "$work/root"
    spawn any nginx -c "$work/fo-$2-$i/nginx.conf" > "$work/fo-$2-$i/out.log" 2>&1; npids+=("${pids[-1]}")
  done
  for p in "${ports[@]}"; do wait_port "$p"; done
  local port; port=$(free_port)
  if [ "$2" = foobar ]; then start_foobar_lb "$port" "${ports[@]}"; else start_haproxy "$port" "${ports[@]}"; fi
  wait_port "$port"
  local out="$work/fo-$2.wrk"
  spawn 0 wrk -t1 -c"$CONNECTIONS" -d4s "http://127.0.0.1:$port/4k.html" > "$out"
  local wpid=${pids[-1]}
  sleep 2
  # Master and worker at once: the whole process group of the second backend.
  stop_group "${npids[1]}" KILL
  wait "$wpid" || true
  local non2xx errors maxlat
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out"); non2xx=${non2xx:-0}
  errors=$(awk -F'[ ,]+' '/Socket errors/ {s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i; print s}' "$out"); errors=${errors:-0}
  maxlat=$(awk '/Latency/ && !/Distribution/ {print $4; exit}' "$out")
  printf '%-32s %10s %12s %14s\n' "$1" "$non2xx" "$errors" "$maxlat"
}
echo
echo "SIGKILL of one of two nginx backends 2 s into a 4 s wrk run (-c$CONNECTIONS):"
printf '%-32s %10s %12s %14s\n' balancer "non-2xx" "socket err" "max latency"
failover_run "foobar lb" foobar
failover_run "haproxy (retries 3, redispatch)" haproxy
