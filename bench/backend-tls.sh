#!/usr/bin/env bash
# The cost of re-encryption inside the site (lb -> web over TLS), side by side with HAProxy
# doing the same: each balancer in front of the same two one-thread foobar web servers, once
# over plain HTTP and once over TLS (certificate verified against the CA; ECDSA P-256, TLS 1.3),
# keep-alive towards the backends on both. Then the web tier's own leg (foobar web proxying
# /api/ to the other web server, the app server's stand-in), plain vs TLS.
# One balancer thread each, pinned to CPU 1; wrk -t1 -c64 keep-alive on CPU 0; the 4 KiB file;
# rounds alternate between the sides so drift hits all alike. Every side is checked to answer
# 200 with the file's bytes before it is timed.
# Usage: bench/backend-tls.sh   (env: DURATION=5 ROUNDS=3 CONNECTIONS=64)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "bench: the openssl CLI is missing: run 'make deps'" >&2; exit 1; }
bench_workdir backend-tls

mkdir -p "$work/root/api"
random_file 4096 "$work/root/4k.html"
cp "$work/root/4k.html" "$work/root/api/4k.html"
cert=$work/cert.pem key=$work/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" -out "$cert" \
  -days 2 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" > "$work/openssl.log" 2>&1 \
  || { cat "$work/openssl.log" >&2; exit 1; }

# Two foobar web backends, one thread each, with a plain and a TLS listener.
plain=() tls=()
for i in 1 2; do
  p=$(free_port); t=$(free_port); plain+=("$p"); tls+=("$t")
  spawn any "$FOOBAR" web --listen "127.0.0.1:$p" --listen-tls "127.0.0.1:$t" --tls-cert "$cert" --tls-key "$key" \
    --root "$work/root" --threads 1 --access-log off > "$work/web$i.log" 2>&1
done
for p in "${plain[@]}" "${tls[@]}"; do wait_port "$p" web "$work/web1.log"; done

# start PORT KIND EXTRA BACKEND_PORT...: a balancer of KIND (lb, haproxy, or web proxying /api/
# to its one backend) on PORT; EXTRA: foobar flags, or HAProxy server options. Not in $(...):
# spawn records pids in this shell.
start() {
  local port=$1 kind=$2 extra=$3 args=(); shift 3
  case $kind in
    lb)
      for b in "$@"; do args+=(--backend "127.0.0.1:$b"); done
      # shellcheck disable=SC2086
      spawn 1 "$FOOBAR" lb --listen "127.0.0.1:$port" --threads 1 --access-log off $extra "${args[@]}" \
        > "$work/lb-$port.log" 2>&1 ;;
    haproxy)
      HAPROXY_SERVER=$extra haproxy_conf "$work/haproxy-$port.cfg" "$port" "$@"
      spawn 1 haproxy -f "$work/haproxy-$port.cfg" > "$work/haproxy-$port.log" 2>&1 ;;
    web)
      # shellcheck disable=SC2086
      spawn 1 "$FOOBAR" web --listen "127.0.0.1:$port" --root "$work/root" --threads 1 --access-log off \
        --proxy "/api/=127.0.0.1:$1" $extra > "$work/web-$port.log" 2>&1 ;;
  esac
  wait_port "$port" "$kind" "$work/$kind-$port.log"
}
foobar_tls="--backend-tls --backend-tls-ca $cert"
haproxy_tls="ssl verify required ca-file $cert"
lb_plain=$(free_port); start "$lb_plain" lb "" "${plain[@]}"
lb_tls=$(free_port); start "$lb_tls" lb "$foobar_tls" "${tls[@]}"
ha_plain=$(free_port); start "$ha_plain" haproxy "" "${plain[@]}"
ha_tls=$(free_port); start "$ha_tls" haproxy "$haproxy_tls" "${tls[@]}"
web_plain=$(free_port); start "$web_plain" web "" "${plain[0]}"
web_tls=$(free_port); start "$web_tls" web "$foobar_tls" "${tls[0]}"
sleep 1  # the first health checks
for p in "$lb_plain" "$lb_tls" "$ha_plain" "$ha_tls"; do check_serves "balancer on $p" "http://127.0.0.1:$p/4k.html" "$work/root/4k.html"; done
for p in "$web_plain" "$web_tls"; do check_serves "web proxy on $p" "http://127.0.0.1:$p/api/4k.html" "$work/root/4k.html"; done

# measure PORT PATH...: the median req/s over ROUNDS, rounds interleaved across every PORT:PATH given.
declare -A runs
for round in $(seq "$ROUNDS"); do
  for target in "$lb_plain:/4k.html" "$lb_tls:/4k.html" "$ha_plain:/4k.html" "$ha_tls:/4k.html" \
                "$web_plain:/api/4k.html" "$web_tls:/api/4k.html"; do
    runs[$target]+=" $(wrk_rps "http://127.0.0.1:${target%%:*}${target#*:}")"
  done
done
med() { # shellcheck disable=SC2086
  median ${runs[$1]}; }
flp=$(med "$lb_plain:/4k.html") flt=$(med "$lb_tls:/4k.html")
hp=$(med "$ha_plain:/4k.html") ht=$(med "$ha_tls:/4k.html")
wpl=$(med "$web_plain:/api/4k.html") wtl=$(med "$web_tls:/api/4k.html")

echo "re-encryption towards the backends ($(haproxy -v | awk 'NR == 1 {print "HAProxy", $3}')):" \
  "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, one balancer thread, 4 KiB file, 2 foobar web backends"
printf '%-34s %12s %12s %14s\n' setup "plain req/s" "tls req/s" "tls / plain"
printf '%-34s %12s %12s %14s\n' "foobar lb -> 2x web" "$flp" "$flt" "$(ratio "$flt" "$flp")"
printf '%-34s %12s %12s %14s\n' "haproxy -> 2x web" "$hp" "$ht" "$(ratio "$ht" "$hp")"
printf '%-34s %12s %12s %14s\n' "foobar web /api/ -> web (app leg)" "$wpl" "$wtl" "$(ratio "$wtl" "$wpl")"
echo "foobar lb vs haproxy, both re-encrypting: $(ratio "$flt" "$ht")"
