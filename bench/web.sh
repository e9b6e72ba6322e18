#!/usr/bin/env bash
# foobar web vs nginx vs h2o, side by side: same files, same root, one worker each, same wrk settings.
# Usage: bench/web.sh   (env: DURATION=5 ROUNDS=3 CONNECTIONS=64)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_workdir web

mkdir -p "$work/root"
random_file 4096 "$work/root/4k.html"
random_file 102400 "$work/root/100k.html"

fport=$(free_port)
spawn 1 "$FOOBAR" web --listen "127.0.0.1:$fport" --root "$work/root" --threads 1 --access-log off \
  > "$work/foobar.log" 2>&1
fsid=${pids[-1]}
nport=$(free_port)
nginx_conf "$work" "$nport" "$work/root"
spawn 1 nginx -c "$work/nginx.conf" > "$work/nginx.log" 2>&1
nsid=${pids[-1]}
hport=$(free_port)
h2o_conf "$work" "$hport" "$work/root"
spawn 1 h2o -c "$work/h2o.conf" > "$work/h2o.log" 2>&1
hsid=${pids[-1]}
wait_port "$fport" "foobar web" "$work/foobar.log"
wait_port "$nport" nginx "$work/nginx-error.log"
wait_port "$hport" h2o "$work/h2o-error.log"
# Every server answers 200 with exactly the file before anything is timed.
for file in 4k.html 100k.html; do
  check_serves "foobar web" "http://127.0.0.1:$fport/$file" "$work/root/$file"
  check_serves nginx "http://127.0.0.1:$nport/$file" "$work/root/$file"
  check_serves h2o "http://127.0.0.1:$hport/$file" "$work/root/$file"
done

echo "foobar web vs nginx $(nginx -v 2>&1 | sed 's/.*\///') vs h2o $(h2o --version | awk 'NR == 1 {print $3}'):" \
  "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, one worker each, medians"
echo "(cpu: the server's own CPU time per request in microseconds, lower is better; wrk fills its core"
echo " as the server fills its own, so requests/s also measures the client, CPU per request does not)"
printf '%-10s %13s %12s %12s %7s %7s %7s %7s %7s %7s %7s\n' file "foobar req/s" "nginx req/s" "h2o req/s" \
  "/nginx" "/h2o" "foobar" "nginx" "h2o" "/nginx" "/h2o"
for file in 4k.html 100k.html; do
  f=(); n=(); h=(); fc=(); nc=(); hc=()
  for round in $(seq "$ROUNDS"); do  # alternate, so drift hits all alike
    read -r -a m <<< "$(wrk_measure "http://127.0.0.1:$fport/$file" "$fsid")"; f+=("${m[0]}"); fc+=("${m[1]}")
    read -r -a m <<< "$(wrk_measure "http://127.0.0.1:$nport/$file" "$nsid")"; n+=("${m[0]}"); nc+=("${m[1]}")
    read -r -a m <<< "$(wrk_measure "http://127.0.0.1:$hport/$file" "$hsid")"; h+=("${m[0]}"); hc+=("${m[1]}")
  done
  fm=$(median "${f[@]}"); nm=$(median "${n[@]}"); hm=$(median "${h[@]}")
  fcm=$(median "${fc[@]}"); ncm=$(median "${nc[@]}"); hcm=$(median "${hc[@]}")
  # CPU ratios as capacity (requests per CPU second), so that above 1 is better in every column.
  printf '%-10s %13s %12s %12s %7s %7s %7s %7s %7s %7s %7s\n' "$file" "$fm" "$nm" "$hm" "$(ratio "$fm" "$nm")" \
    "$(ratio "$fm" "$hm")" "$fcm" "$ncm" "$hcm" "$(ratio "$ncm" "$fcm")" "$(ratio "$hcm" "$fcm")"
done
