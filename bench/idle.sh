#!/usr/bin/env bash
# Memory per idle keep-alive connection: foobar web vs nginx vs h2o (static, one worker each, same
# root), foobar lb vs HAProxy (one lb thread each, in front of the same one nginx backend).
# A client (python3, its own process, CPU 0) opens IDLE_CONNECTIONS connections to one server at a
# time, sends one keep-alive GET /4k.html on each, reads the whole response (200 and exactly the
# file's bytes, or the bench fails) and then leaves all of them open and idle. The server's RSS
# (VmRSS summed over all its processes: master and workers) is read after a warm-up and again
# once every connection is open and idle; the growth divided by the count is the cost of one.
# Usage: bench/idle.sh   (env: IDLE_CONNECTIONS=3000 IDLE_BATCH=100 IDLE_SETTLE=1)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${IDLE_CONNECTIONS:-3000}
BATCH=${IDLE_BATCH:-100}    # connections the client has connecting or awaiting a response at once
SETTLE=${IDLE_SETTLE:-1}    # seconds between the last response and the second RSS reading

# Every process here (servers and client) inherits this fd limit; the balancers need two fds per
# connection (client side and backend side).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fds=$(ulimit -n)
[ "$fds" = unlimited ] || [ "$fds" -ge $((2 * N + 256)) ] \
  || { echo "idle: the fd limit is $fds, too low for $N connections through a balancer (needs $((2 * N + 256)))" >&2; exit 1; }
maxconn=$((2 * N + 128))

bench_workdir idle

mkdir -p "$work/root"
random_file 4096 "$work/root/4k.html"

cat > "$work/client.py" <<'PY'
# client.py PORT N BATCH PATH FILE: N keep-alive connections to 127.0.0.1:PORT, one GET PATH on
# each, every response checked against FILE; prints "ready N" once all are answered and idle,
# then holds them. On SIGUSR1 prints "open K" (K: those the server has not closed) and exits.
import os, resource, selectors, signal, socket, sys, time

port, n, batch, path, file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < n + 64:
    sys.exit(f"error: RLIMIT_NOFILE is {soft}, too low for {n} connections")
expected = open(file, "rb").read()
request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: foobar-bench-idle\r\n\r\n".encode()

def fail(msg):
    print(f"error: {msg}", flush=True)
    os._exit(1)

sel = selectors.DefaultSelector()
held = []            # every connection, answered or not
bufs = {}            # socket -> bytes read so far (only while awaiting a response)
started = answered = 0
deadline = time.monotonic() + 120
while answered < n:
    while started < n and started - answered < batch:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", port))
        if err not in (0, 115):  # EINPROGRESS
            fail(f"connect #{started + 1}: {os.strerror(err)}")
        sel.register(s, selectors.EVENT_WRITE)
        held.append(s)
        started += 1
    if time.monotonic() > deadline:
        fail(f"timed out: {answered} of {n} connections answered ({started} opened)")
    for key, mask in sel.select(timeout=1):
        s = key.fileobj
        if mask & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                fail(f"connect: {os.strerror(err)} (after {answered} answered)")
            if s.send(request) != len(request):
                fail("short write of the request")
            bufs[s] = b""
            sel.modify(s, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(65536)
        except ConnectionError as e:
            fail(f"{e} (after {answered} answered)")
        if not data:
            fail(f"server closed a connection before its response ended (after {answered} answered)")
        buf = bufs[s] + data
        head_end = buf.find(b"\r\n\r\n")
        if head_end < 0:
            bufs[s] = buf
            continue
        lines = buf[:head_end].decode("latin-1").split("\r\n")
        if lines[0].split(" ")[1] != "200":
            fail(f"answered {lines[0]!r}")
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            fail("response without Content-Length")
        body = buf[head_end + 4:]
        if len(body) < length:
            bufs[s] = buf
            continue
        if body != expected:
            fail(f"body differs from {file} ({len(body)} bytes)")
        del bufs[s]
        sel.unregister(s)
        answered += 1

print(f"ready {answered}", flush=True)
got_usr1 = False
def on_usr1(signum, frame):
    global got_usr1
    got_usr1 = True
signal.signal(signal.SIGUSR1, on_usr1)
while not got_usr1:
    signal.pause()
still_open = 0
for s in held:
    try:
        if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
            continue  # unexpected bytes: not idle
    except BlockingIOError:
        still_open += 1
    except OSError:
        pass
print(f"open {still_open}", flush=True)
PY

# rss_kb PID: VmRSS in KiB summed over every process of the session PID leads (spawn gives each
# server one): nginx's master and worker, haproxy, h2o, foobar.
rss_kb() {
  local sum=0 p v
  for p in $(ps -eo pid=,sid= | awk -v s="$1" '$2 == s {print $1}'); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# run_client NAME PORT COUNT: COUNT idle connections to PORT, held by a client in the background;
# returns once all are answered (client pid in $client).
run_client() {
  local out="$work/client-$1-$3.out"
  : > "$out"
  spawn 0 python3 "$work/client.py" "$2" "$3" "$BATCH" /4k.html "$work/root/4k.html" > "$out" 2>&1
  client=${pids[-1]}
  while ! grep -q '^ready' "$out"; do
    if ! kill -0 "$client" 2>/dev/null || grep -q '^error' "$out"; then
      echo "idle: $1 (port $2): the client failed: $(cat "$out")" >&2; exit 1
    fi
    sleep 0.1
  done
  [ "$(awk '/^ready/ {print $2}' "$out")" = "$3" ] || { echo "idle: $1: not all $3 answered: $(cat "$out")" >&2; exit 1; }
}
# release_client NAME COUNT: the client reports how many are still open (all of them, or the
# bench fails) and exits, closing them.
release_client() {
  local out="$work/client-$1-$2.out"
  kill -USR1 "$client"
  wait "$client" || true
  [ "$(awk '/^open/ {print $2}' "$out")" = "$2" ] \
    || { echo "idle: $1 closed idle connections before the measurement ended: $(cat "$out")" >&2; exit 1; }
}

# measure NAME PID PORT: res[NAME]="RSS_BEFORE_KIB RSS_AFTER_KIB BYTES_PER_CONNECTION" (no
# subshell: the client must be this shell's child, in $pids).
measure() {
  run_client "$1" "$3" 20; release_client "$1" 20  # warm-up: a few connections and requests
  sleep 0.5
  local before after
  before=$(rss_kb "$2")
  run_client "$1" "$3" "$N"
  sleep "$SETTLE"
  after=$(rss_kb "$2")
  release_client "$1" "$N"
  res[$1]="$before $after $(( (after - before) * 1024 / N ))"
}

# The servers, one worker each, pinned to CPU 1.
wport=$(free_port)
spawn 1 "$FOOBAR" web --listen "127.0.0.1:$wport" --root "$work/root" --threads 1 --access-log off \
  --max-connections "$maxconn" --keepalive-timeout-ms 300000 > "$work/foobar-web.log" 2>&1
wpid=${pids[-1]}
mkdir -p "$work/nginx"; nport=$(free_port)
nginx_conf "$work/nginx" "$nport" "$work/root" "$maxconn"
spawn 1 nginx -c "$work/nginx/nginx.conf" > "$work/nginx/out.log" 2>&1
npid=${pids[-1]}
mkdir -p "$work/h2o"; hport=$(free_port)
h2o_conf "$work/h2o" "$hport" "$work/root"
{ echo "max-connections: $maxconn"; echo "http1-request-timeout: 300"; } >> "$work/h2o/h2o.conf"
spawn 1 h2o -c "$work/h2o/h2o.conf" > "$work/h2o/out.log" 2>&1
hpid=${pids[-1]}
# The balancers' one backend: an nginx (not measured), not pinned.
mkdir -p "$work/backend"; bport=$(free_port)
nginx_conf "$work/backend" "$bport" "$work/root" "$maxconn"
spawn any nginx -c "$work/backend/nginx.conf" > "$work/backend/out.log" 2>&1
lport=$(free_port)
spawn 1 "$FOOBAR" lb --listen "127.0.0.1:$lport" --threads 1 --access-log off --backend "127.0.0.1:$bport" \
  --max-connections "$maxconn" --keepalive-timeout-ms 300000 > "$work/foobar-lb.log" 2>&1
lpid=${pids[-1]}
aport=$(free_port)
cat > "$work/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn $maxconn
defaults
  mode http
  maxconn $maxconn
  option http-keep-alive
  timeout connect 2s
  timeout client 300s
  timeout server 30s
  timeout http-keep-alive 300s
frontend fe
  bind 127.0.0.1:$aport
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$bport check
CFG
spawn 1 haproxy -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1
apid=${pids[-1]}
wait_port "$wport" "foobar web" "$work/foobar-web.log"
wait_port "$nport" nginx "$work/nginx/nginx-error.log"
wait_port "$hport" h2o "$work/h2o/h2o-error.log"
wait_port "$bport" "nginx (backend)" "$work/backend/nginx-error.log"
wait_port "$lport" "foobar lb" "$work/foobar-lb.log"
wait_port "$aport" haproxy "$work/haproxy.log"
check_serves "foobar web" "http://127.0.0.1:$wport/4k.html" "$work/root/4k.html"
check_serves nginx "http://127.0.0.1:$nport/4k.html" "$work/root/4k.html"
check_serves h2o "http://127.0.0.1:$hport/4k.html" "$work/root/4k.html"
check_serves "foobar lb" "http://127.0.0.1:$lport/4k.html" "$work/root/4k.html"
check_serves haproxy "http://127.0.0.1:$aport/4k.html" "$work/root/4k.html"

declare -A res
for s in "foobar web:$wpid:$wport" "nginx:$npid:$nport" "h2o:$hpid:$hport" "foobar lb:$lpid:$lport" "haproxy:$apid:$aport"; do
  IFS=: read -r name pid port <<< "$s"
  measure "$name" "$pid" "$port"
done

echo "RSS per idle keep-alive connection: $N connections, each after one GET /4k.html (4 KiB), one worker each"
echo "(nginx $(nginx -v 2>&1 | sed 's/.*\///'), h2o $(h2o --version | awk 'NR == 1 {print $3}'), $(haproxy -v | awk 'NR == 1 {print "HAProxy", $3}'); RSS summed over each server's processes)"
printf '%-11s %16s %15s %11s %9s %10s\n' server "RSS before KiB" "RSS after KiB" "bytes/conn" "/ nginx" "/ haproxy"
read -r -a nres <<< "${res[nginx]}"
read -r -a ares <<< "${res[haproxy]}"
for name in "foobar web" nginx h2o "foobar lb" haproxy; do
  read -r -a r <<< "${res[$name]}"
  vs_haproxy=
  case $name in "foobar lb"|haproxy) vs_haproxy=$(ratio "${r[2]}" "${ares[2]}") ;; esac
  printf '%-11s %16s %15s %11s %9s %10s\n' "$name" "${r[0]}" "${r[1]}" "${r[2]}" "$(ratio "${r[2]}" "${nres[2]}")" "$vs_haproxy"
done
