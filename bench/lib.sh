# Shared helpers for the side-by-side benchmarks (sourced, not run).
# Servers run pinned to CPU 1 and wrk to CPU 0, so each side gets one core.

FOOBAR=${FOOBAR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/foobar}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT [NAME LOG]: until something accepts on 127.0.0.1:PORT (10 s); if nothing does,
# says so (naming the server and showing the end of its LOG) and fails.
wait_port() {
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: ${2:-nothing} ${2:+is not }listening on port $1" >&2
  if [ -n "${3:-}" ] && [ -s "$3" ]; then tail -n 20 "$3" >&2; fi
  return 1
}

on_cpu() { if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

# bench_workdir NAME: a temp dir in $work, and a trap that stops everything spawned (children
# included) and removes the dir (KEEP=1 keeps the logs; the processes are stopped either way).
bench_workdir() {
  work=$(mktemp -d "/tmp/foobar-bench-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# The processes of the sessions spawn made (each spawned pid leads its own session, so this
# finds nginx/haproxy/h2o workers and anything else they forked, even once reparented to init).
session_members() {
  [ ${#pids[@]} -gt 0 ] || return 0
  ps -eo pid=,sid= | awk -v list=" ${pids[*]} " 'index(list, " " $2 " ") {print $1}'
}

# bench_cleanup: SIGTERM to every spawned session's process group, up to 10 s for all of them
# to exit (mariadbd shuts down cleanly), then SIGKILL whatever is left; then reap.
bench_cleanup() {
  local rc=$? p left=
  set +e
  trap - EXIT INT TERM HUP
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 100); do
    left=$(session_members)
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -n "$left" ]; then
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.2
  fi
  wait 2>/dev/null || true
  left=$(session_members)
  [ -z "$left" ] || echo "bench: processes left behind: $(ps -o pid=,comm= -p "${left//$'\n'/,}" | xargs)" >&2
  if [ -n "${KEEP:-}" ]; then echo "logs in $work"; else rm -rf "$work"; fi
  exit "$rc"
}

# spawn CPU CMD...: CMD in the background in a session (and process group) of its own, pinned to
# CPU (or CPU "any": not pinned); its pid, which is also the session's id, joins $pids.
# setsid and taskset exec CMD, so the recorded pid is the server's (a backgrounded shell function
# would record a subshell); setsid does not fork since a background job of a non-interactive
# shell is no process group leader. Redirect output at the call site: spawn 1 nginx -c conf > log 2>&1
spawn() {
  local cpu=$1; shift
  if [ "$cpu" != any ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    setsid taskset -c "$cpu" "$@" &
  else
    setsid "$@" &
  fi
  pids+=($!)
}

# stop_group PID [SIGNAL]: signal a spawned process and everything in its group (default SIGKILL)
# and reap it.
stop_group() {
  kill -"${2:-KILL}" -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# random_file N FILE: exactly N random printable bytes (base64 of urandom) in FILE. No pipe: a
# `head -c N` at the end of one gets its writer killed by SIGPIPE, which pipefail turns into a failure.
random_file() {
  python3 -c 'import base64, os, sys; n = int(sys.argv[1]); sys.stdout.write(base64.b64encode(os.urandom(n)).decode()[:n])' "$1" > "$2"
  [ "$(stat -c %s "$2")" -eq "$1" ] || { echo "random_file: $2 is not $1 bytes" >&2; return 1; }
}

# wrk_rps URL: requests/s of one wrk run (1 thread, keep-alive).
wrk_rps() {
  on_cpu 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'
}

# session_ticks SID: CPU time (user + system, clock ticks) of every process in session SID (a
# spawned server's pid is its session's id: workers and helper processes count with it).
session_ticks() {
  local p s t=0 f
  for p in $(ps -eo pid=,sid= | awk -v s="$1" '$2 == s {print $1}'); do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    read -r -a f <<< "${s##*) }"  # from field 3 (state) on: utime and stime are fields 14 and 15
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}

# wrk_measure URL SID: one wrk run as wrk_rps; prints "REQ_PER_S CPU_US_PER_REQ", the second being
# the server's own CPU time (session SID) per request. Server and wrk each fill their core, so
# requests/s is bounded by the client too; the CPU per request is the server's cost alone.
wrk_measure() {
  local before after out
  before=$(session_ticks "$2")
  out=$(on_cpu 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1")
  after=$(session_ticks "$2")
  awk -v ticks=$((after - before)) -v tck="$(getconf CLK_TCK)" '
    / requests in / {n = $1} /Requests\/sec/ {rps = $2}
    END {printf "%s %s\n", rps, (n > 0 ? sprintf("%.2f", ticks * 1e6 / tck / n) : "n/a")}' <<< "$out"
}

# nginx_conf DIR PORT ROOT [CONNECTIONS]: a one-worker nginx serving ROOT, access log off,
# sendfile on; CONNECTIONS (default 4096) is worker_connections, and sets the worker's fd limit.
# With NGINX_TLS_CERT and NGINX_TLS_KEY set it listens with TLS, as nginx is usually run:
# TLS 1.2 and 1.3, a shared session cache and tickets.
nginx_conf() {
  local ssl="" tls=""
  if [ -n "${NGINX_TLS_CERT:-}" ]; then
    ssl=" ssl"
    tls="ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m; ssl_session_tickets on;
  ssl_certificate $NGINX_TLS_CERT; ssl_certificate_key $NGINX_TLS_KEY;"
  fi
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
$( [ -n "${4:-}" ] && echo "worker_rlimit_nofile $(( $4 + 64 ));" )
daemon off;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
pid $1/nginx.pid;
error_log $1/nginx-error.log;
events { worker_connections ${4:-4096}; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  $tls
  server { listen 127.0.0.1:$2$ssl; root $3; }
}
CONF
}

# haproxy_conf FILE PORT BACKEND_PORT...: one thread, round robin with keep-alive reuse and
# health checks to the backends on 127.0.0.1; HAPROXY_BIND (e.g. "ssl crt FILE") is added
# to the frontend's bind line, HAPROXY_SERVER (e.g. "ssl verify required ca-file FILE") to
# each server line.
haproxy_conf() {
  local file=$1 port=$2 i=0 b; shift 2
  {
    echo "global"
    echo "  nbthread 1"
    echo "  maxconn 4096"
    [ -n "${HAPROXY_BIND:-}" ] && echo "  ssl-default-bind-options ssl-min-ver TLSv1.2"
    echo "defaults"
    echo "  mode http"
    echo "  option http-keep-alive"
    echo "  retries 3"
    echo "  option redispatch"
    echo "  timeout connect 2s"
    echo "  timeout client 30s"
    echo "  timeout server 30s"
    echo "frontend fe"
    echo "  bind 127.0.0.1:$port ${HAPROXY_BIND:-}"
    echo "  default_backend be"
    echo "backend be"
    echo "  balance roundrobin"
    echo "  http-reuse always"
    for b in "$@"; do i=$((i + 1)); echo "  server s$i 127.0.0.1:$b check ${HAPROXY_SERVER:-}"; done
  } > "$file"
}

ratio() { python3 -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# h2o_conf DIR PORT ROOT: a one-thread h2o serving ROOT, no access log, no precompressed
# siblings or on-the-fly compression (as with nginx and foobar here: plain files). With
# H2O_TLS_CERT and H2O_TLS_KEY set it listens with TLS 1.2+ (its default resumption: internal
# cache and tickets; no OCSP fetches).
h2o_conf() {
  local tls=""
  if [ -n "${H2O_TLS_CERT:-}" ]; then
    tls="  ssl:
    certificate-file: $H2O_TLS_CERT
    key-file: $H2O_TLS_KEY
    minimum-version: TLSv1.2
    ocsp-update-interval: 0"
  fi
  cat > "$1/h2o.conf" <<CONF
num-threads: 1
$( [ "$(id -u)" -eq 0 ] && echo "user: root" )
pid-file: $1/h2o.pid
error-log: $1/h2o-error.log
listen:
  host: 127.0.0.1
  port: $2
$tls
file.send-compressed: OFF
file.dirlisting: OFF
hosts:
  default:
    paths:
      /:
        file.dir: $3
CONF
}

# serves NAME URL FILE [CURL_ARG...]: NAME answers 200 on URL with exactly FILE's bytes, or it says
# what NAME did and fails. CURL_ARGs go to curl (for https: --cacert CERT).
serves() {
  local code
  code=$(curl -s -o "$work/check.body" -w '%{http_code}' "${@:4}" "$2") || code="curl failed ($?)"
  if [ "$code" != 200 ]; then echo "bench: $1 answered $code for $2" >&2; return 1; fi
  cmp -s "$work/check.body" "$3" || { echo "bench: $1 served other bytes than $3 for $2" >&2; return 1; }
}

# check_serves NAME URL FILE [CURL_ARG...]: as serves, but the bench stops if it does not.
check_serves() { serves "$@" || exit 1; }
