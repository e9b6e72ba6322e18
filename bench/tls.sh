#!/usr/bin/env bash
# HTTPS side by side: foobar web vs nginx vs h2o, and foobar lb vs HAProxy terminating TLS in
# front of plain-HTTP backends. The same ECDSA P-256 certificate (made here with the openssl CLI,
# self-signed, SAN 127.0.0.1 and localhost) for all, one worker/thread each, the same 4 KiB file.
#
# - keep-alive: wrk -t1 -c64 over https (wrk links OpenSSL; TLS 1.3), requests/s; servers on
#   CPU 1, wrk on CPU 0 as in the other benches.
# - handshakes: `openssl s_time -new` (a full handshake per connection: a fresh SSL object with no
#   session; every connection is counted as new or resumed from what s_time prints, and shown)
#   and `openssl s_time -reuse` (each connection resumes the first one's session: a TLS 1.3
#   ticket or a TLS 1.2 session), each connection doing one `GET /4k.html` (HTTP/1.0) and
#   checked to have read the file. Not wrk with `Connection: close`: wrk keeps its session across
#   reconnects (SSL_clear), so every connection after the first resumes, and that is no full
#   handshake. s_time does one blocking connection at a time, so HS_CLIENTS (4) of them run at
#   once on CPU 0. Even so the client side is the bottleneck: an OpenSSL 3.0 client spends more
#   than twice the server's CPU on a handshake (about 1 ms against 0.45 ms here; among other things it
#   verifies the ECDSA signature, which costs 2.5 signs), and h2load (nghttp2-client) or any other
#   client on this machine is the same OpenSSL, on the same one core. So the handshake
#   figure is the server's capacity: handshakes per second of the server's own CPU time (user +
#   system of every process in its session: workers, h2o's neverbleed key process), which does
#   not depend on how fast the client is; the achieved rate and how busy the server was are in
#   the details below the tables.
# - TLS 1.3 (X25519) everywhere, plus one line of TLS 1.2 full handshakes. What each server
#   negotiates with these clients is printed before anything is timed: the cipher suite is each
#   server's own choice (one that prefers its own order may pick AES-128-GCM where the others
#   take the client's first, AES-256-GCM).
# - Backends of the two balancers: the same two one-worker nginx (plain HTTP, as lb.sh's first
#   tier), so the only difference between the two sides is the balancer and its TLS.
#
# Every server is checked to answer 200 with exactly the file over https (the certificate
# verified by curl) before it is timed. If foobar does not start with its TLS flags (a binary
# older than them), its columns are n/a and the rest still runs.
# Usage: bench/tls.sh   (env: DURATION=5 ROUNDS=3 CONNECTIONS=64 HS_CLIENTS=4)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HS_CLIENTS=${HS_CLIENTS:-4}

command -v openssl >/dev/null || { echo "bench: the openssl CLI is missing: run 'make deps'" >&2; exit 1; }
bench_workdir tls

mkdir -p "$work/root"
random_file 4096 "$work/root/4k.html"
cert=$work/cert.pem key=$work/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" -out "$cert" \
  -days 2 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" > "$work/openssl.log" 2>&1 \
  || { cat "$work/openssl.log" >&2; exit 1; }
cat "$cert" "$key" > "$work/combined.pem"  # HAProxy's crt: certificate and key in one file

# Two plain nginx backends (one worker each) for both balancers, not pinned (as in lb.sh).
bports=()
for i in 1 2; do
  mkdir -p "$work/backend$i"
  p=$(free_port); bports+=("$p")
  nginx_conf "$work/backend$i" "$p" "$work/root"
  spawn any nginx -c "$work/backend$i/nginx.conf" > "$work/backend$i/out.log" 2>&1
done

# h2o 2.2.5 keeps the private key in its neverbleed process (no setting turns it off); its
# CPU is counted with h2o's.

# HAProxy 2.6: its default session cache and tickets, TLS 1.2 and 1.3, round robin to the pair.

# The servers, by name: TLS port, session id (= spawned pid) and log.
names=("foobar web" nginx h2o "foobar lb" haproxy)
declare -A port sid log ok
tls_args=(--tls-cert "$cert" --tls-key "$key" --threads 1 --access-log off)

port["foobar web"]=$(free_port); log["foobar web"]=$work/foobar-web.log
spawn 1 "$FOOBAR" web --listen "127.0.0.1:$(free_port)" --listen-tls "127.0.0.1:${port["foobar web"]}" \
  --root "$work/root" "${tls_args[@]}" > "${log["foobar web"]}" 2>&1
sid["foobar web"]=${pids[-1]}

mkdir -p "$work/nginx"
port[nginx]=$(free_port); log[nginx]=$work/nginx/out.log
NGINX_TLS_CERT=$cert NGINX_TLS_KEY=$key nginx_conf "$work/nginx" "${port[nginx]}" "$work/root"
spawn 1 nginx -c "$work/nginx/nginx.conf" > "${log[nginx]}" 2>&1
sid[nginx]=${pids[-1]}

mkdir -p "$work/h2o"
port[h2o]=$(free_port); log[h2o]=$work/h2o/out.log
H2O_TLS_CERT=$cert H2O_TLS_KEY=$key h2o_conf "$work/h2o" "${port[h2o]}" "$work/root"
spawn 1 h2o -c "$work/h2o/h2o.conf" > "${log[h2o]}" 2>&1
sid[h2o]=${pids[-1]}

port["foobar lb"]=$(free_port); log["foobar lb"]=$work/foobar-lb.log
spawn 1 "$FOOBAR" lb --listen "127.0.0.1:$(free_port)" --listen-tls "127.0.0.1:${port["foobar lb"]}" \
  "${tls_args[@]}" --backend "127.0.0.1:${bports[0]}" --backend "127.0.0.1:${bports[1]}" > "${log["foobar lb"]}" 2>&1
sid["foobar lb"]=${pids[-1]}

port[haproxy]=$(free_port); log[haproxy]=$work/haproxy.log
HAPROXY_BIND="ssl crt $work/combined.pem" haproxy_conf "$work/haproxy.cfg" "${port[haproxy]}" "${bports[@]}"
spawn 1 haproxy -f "$work/haproxy.cfg" > "${log[haproxy]}" 2>&1
sid[haproxy]=${pids[-1]}

for p in "${bports[@]}"; do wait_port "$p" "nginx backend"; done

# up NAME: NAME's process is alive and accepts on its port (10 s), or it says why not and fails.
up() {
  local state=
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"${port[$1]}") 2>/dev/null && return 0
    state=$(ps -o stat= -p "${sid[$1]}" 2>/dev/null || true)
    case "$state" in ''|Z*) state=dead; break ;; esac
    sleep 0.1
  done
  if [ "$state" = dead ]; then echo "bench: $1 exited before listening on port ${port[$1]}" >&2
  else echo "bench: $1 is not listening on port ${port[$1]}" >&2; fi
  if [ -s "${log[$1]}" ]; then tail -n 5 "${log[$1]}" >&2; fi
  return 1
}

# negotiated PORT [FLAG]: protocol, cipher suite, key exchange and signature of one handshake.
negotiated() {
  timeout 10 openssl s_client -connect "127.0.0.1:$1" -brief -CAfile "$cert" ${2:+"$2"} < /dev/null 2>&1 \
    | awk -F': ' '/^Protocol version/ {p=$2} /^Ciphersuite/ {c=$2} /^Server Temp Key/ {sub(/,.*/, "", $2); k=$2}
                  /^Signature type/ {s=$2} /^Verification/ {v=$2}
                  END {print (p ? p " " c " " k " " s (v == "OK" ? "" : " verification: " v) : "no handshake")}'
}

echo "TLS: foobar vs nginx $(nginx -v 2>&1 | sed 's/.*\///') vs h2o $(h2o --version | awk 'NR == 1 {print $3}')," \
  "foobar lb vs $(haproxy -v | awk 'NR == 1 {sub(/-.*/, "", $3); print "HAProxy", $3}'); $(openssl version | awk '{print $1, $2}');" \
  "ECDSA P-256 certificate, one worker each, 4 KiB file"
for n in "${names[@]}"; do
  ok[$n]=1
  if ! up "$n"; then
    case "$n" in foobar*) ok[$n]=0; echo "$n: n/a (did not start with --listen-tls)"; continue ;; *) exit 1 ;; esac
  fi
  # Every server answers 200 with exactly the file over https, its certificate verified.
  if ! serves "$n" "https://127.0.0.1:${port[$n]}/4k.html" "$work/root/4k.html" --cacert "$cert"; then
    case "$n" in foobar*) ok[$n]=0; echo "$n: n/a (does not serve the file over https)"; continue ;; *) exit 1 ;; esac
  fi
  printf '%-11s %s; %s\n' "$n:" "$(negotiated "${port[$n]}")" "$(negotiated "${port[$n]}" -tls1_2)"
done

tck=$(getconf CLK_TCK)

# keepalive NAME: one wrk run; prints "REQ_PER_S CPU_US_PER_REQ BUSY ERRORS", CPU and busy being
# the server's (CPU time per request, and CPU time over wall time).
keepalive() {
  local before after t0 t1 out
  before=$(session_ticks "${sid[$1]}"); t0=$(date +%s.%N)
  out=$(on_cpu 0 timeout -k 2 $((DURATION + 20)) wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
    "https://127.0.0.1:${port[$1]}/4k.html") || true
  t1=$(date +%s.%N); after=$(session_ticks "${sid[$1]}")
  awk -v out="$out" -v ticks=$((after - before)) -v tck="$tck" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" '
    BEGIN {
      n = split(out, l, "\n"); rps = 0; err = 0
      for (i = 1; i <= n; i++) {
        if (l[i] ~ /Requests\/sec/) { split(l[i], f, " "); rps = f[2] }
        if (l[i] ~ /Non-2xx/) { m = split(l[i], f, " "); err += f[m] }
        if (l[i] ~ /Socket errors/) { m = split(l[i], f, /[ ,]+/); for (j = 1; j <= m; j++) if (f[j] ~ /^[0-9]+$/) err += f[j] }
      }
      cpu = ticks / tck
      printf "%.0f %s %.2f %d\n", rps, (rps > 0 ? sprintf("%.1f", cpu * 1e6 / (rps * wall)) : "n/a"), cpu / wall, err
    }'
}

# handshakes NAME new|reuse 1_3|1_2: HS_CLIENTS s_time runs at once on CPU 0; prints
# "CAPACITY RATE BUSY CPU_US RESUMED_PCT BAD": CAPACITY is connections per second of the
# server's CPU time, RATE those per second of wall time, CPU_US the server's CPU per connection,
# BAD the runs that failed or read less than the file per connection.
handshakes() {
  local before after t0 t1 i cps=() bad=0
  before=$(session_ticks "${sid[$1]}"); t0=$(date +%s.%N)
  for i in $(seq "$HS_CLIENTS"); do
    spawn 0 timeout -k 2 $((DURATION + 20)) openssl s_time -connect "127.0.0.1:${port[$1]}" -"$2" -tls"$3" \
      -time "$DURATION" -www /4k.html -no-CApath -no-CAfile -no-CAstore > "$work/s_time.$i" 2>&1
    cps+=("${pids[-1]}")
  done
  for i in "${cps[@]}"; do wait "$i" || bad=$((bad + 1)); done
  t1=$(date +%s.%N); after=$(session_ticks "${sid[$1]}")
  # Finished and reaped: no longer for bench_cleanup to stop.
  local keep=() p
  for p in "${pids[@]}"; do [[ " ${cps[*]} " == *" $p "* ]] || keep+=("$p"); done
  pids=("${keep[@]}")
  for i in $(seq "$HS_CLIENTS"); do cat "$work/s_time.$i"; echo; echo "end of run"; done | awk \
    -v ticks=$((after - before)) -v tck="$tck" -v bad="$bad" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" '
    /^[*rt3]+$/ { marks += length($0); reused += gsub(/r/, "") }
    / connections in [0-9]+ real seconds/ {  # "N connections in T real seconds, B bytes read per connection"
      conns += $1; got = 1; for (i = 2; i <= NF; i++) if ($i == "bytes" && $(i - 1) + 0 < 4096) bad++ }
    /^end of run$/ { if (!got) bad++; got = 0 }
    END {
      cpu = ticks / tck
      printf "%s %.0f %.2f %s %.0f %d\n", (cpu > 0 ? sprintf("%.0f", conns / cpu) : "n/a"), conns / wall, cpu / wall,
        (conns > 0 ? sprintf("%.0f", cpu * 1e6 / conns) : "n/a"), (marks ? 100 * reused / marks : 0), bad
    }'
}

# The rows, each measured ROUNDS times, the servers taking turns within a round so drift hits
# them alike; medians of each figure per server.
rows=(keepalive full13 resumed13 full12)
declare -A label=([keepalive]="keep-alive req/s" [full13]="full handshakes/s" [resumed13]="resumed handshakes/s"
                  [full12]="TLS 1.2 full hs/s")
declare -A result detail
unless0() { [ "$1" = 0 ] || echo ", $1 $2"; }  # unless0 N WHAT: ", N WHAT" unless N is 0
for row in "${rows[@]}"; do
  declare -A samples=()
  for _ in $(seq "$ROUNDS"); do
    for n in "${names[@]}"; do
      [ "${ok[$n]}" = 1 ] || continue
      case $row in
        keepalive) r=$(keepalive "$n") ;;
        full13) r=$(handshakes "$n" new 1_3) ;;
        resumed13) r=$(handshakes "$n" reuse 1_3) ;;
        full12) r=$(handshakes "$n" new 1_2) ;;
      esac
      samples[$n]+="$r"$'\n'
    done
  done
  for n in "${names[@]}"; do
    if [ "${ok[$n]}" != 1 ]; then result[$row,$n]=n/a; detail[$row,$n]=n/a; continue; fi
    # The median of each column over the rounds.
    read -r -a m <<< "$(printf '%s' "${samples[$n]}" | awk '
      {for (i = 1; i <= NF; i++) v[i, NR] = $i; nf = NF} END {
        for (i = 1; i <= nf; i++) { k = 0; delete a; for (r = 1; r <= NR; r++) a[++k] = v[i, r]
          # insertion sort; "n/a" sorts as 0
          for (x = 2; x <= k; x++) { t = a[x]; y = x - 1; while (y > 0 && a[y] + 0 > t + 0) { a[y + 1] = a[y]; y-- } a[y + 1] = t }
          printf "%s ", a[int((k + 1) / 2)] }
        print "" }')"
    if [ "$row" = keepalive ]; then
      result[$row,$n]=${m[0]}
      detail[$row,$n]="${m[0]}/s, server ${m[2]} busy, ${m[1]} us cpu/req$(unless0 "${m[3]}" errors)"
    else
      result[$row,$n]=${m[0]}
      detail[$row,$n]="${m[1]}/s, server ${m[2]} busy, ${m[3]} us cpu/conn, ${m[4]}% resumed$(unless0 "${m[5]}" "bad runs")"
    fi
  done
  unset samples
done

echo
echo "keep-alive: wrk -t1 -c$CONNECTIONS -d${DURATION}s; handshakes: $HS_CLIENTS x openssl s_time -new/-reuse -time $DURATION" \
  "-www /4k.html, per second of the server's CPU time; TLS 1.3 unless said; $ROUNDS rounds, medians"
# rat A B: A/B, or n/a when either is.
rat() { if [ "$1" = n/a ] || [ "$2" = n/a ]; then echo n/a; else ratio "$1" "$2"; fi; }
printf '%-22s %12s %12s %12s %13s %11s\n' "" "foobar web" nginx h2o "foobar/nginx" "foobar/h2o"
for row in "${rows[@]}"; do
  fw=${result[$row,foobar web]} ng=${result[$row,nginx]} ho=${result[$row,h2o]}
  printf '%-22s %12s %12s %12s %13s %11s\n' "${label[$row]}" "$fw" "$ng" "$ho" "$(rat "$fw" "$ng")" "$(rat "$fw" "$ho")"
done
echo
printf '%-22s %12s %12s %16s\n' "" "foobar lb" haproxy "foobar/haproxy"
for row in "${rows[@]}"; do
  fl=${result[$row,foobar lb]} hp=${result[$row,haproxy]}
  printf '%-22s %12s %12s %16s\n' "${label[$row]}" "$fl" "$hp" "$(rat "$fl" "$hp")"
done
echo
echo "details (achieved rate per wall second, the server's share of its core, its CPU per request or connection):"
for row in "${rows[@]}"; do
  for n in "${names[@]}"; do printf '  %-20s %-11s %s\n' "${label[$row]}" "$n" "${detail[$row,$n]}"; done
done
