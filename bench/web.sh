#!/usr/bin/env bash
# foobar web vs nginx, side by side: same files, one worker each, same wrk settings.
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
nport=$(free_port)
nginx_conf "$work" "$nport" "$work/root"
spawn 1 nginx -c "$work/nginx.conf" > "$work/nginx.log" 2>&1
wait_port "$fport"; wait_port "$nport"

echo "foobar web vs nginx $(nginx -v 2>&1 | sed 's/.*\///'): wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, one worker each"
printf '%-10s %14s %14s %8s\n' file "foobar req/s" "nginx req/s" ratio
for file in 4k.html 100k.html; do
  f=(); n=()
  for round in $(seq "$ROUNDS"); do  # alternate, so drift hits both alike
    f+=("$(wrk_rps "http://127.0.0.1:$fport/$file")")
    n+=("$(wrk_rps "http://127.0.0.1:$nport/$file")")
  done
  fm=$(median "${f[@]}"); nm=$(median "${n[@]}")
  printf '%-10s %14s %14s %8s\n' "$file" "$fm" "$nm" "$(ratio "$fm" "$nm")"
done
