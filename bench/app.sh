#!/usr/bin/env bash
# foobar app's DB reads vs the database's own limit, side by side on the same replica:
#   sysbench oltp_point_select (TCP, THREADS threads) on the replica, then
#   wrk GET /api/posts/<random id> through `foobar app` (reads routed to that replica).
# Prints both rates and the ratio; then POST /api/posts with and without semi-sync
# replication (the cost of never acknowledging a write on one machine only).
# Bounded: a few seconds per run.
# Usage: bench/app.sh   (env: DURATION=5 ROUNDS=3 CONNECTIONS=64 THREADS=16 APP_THREADS=1 POSTS=10000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
THREADS=${THREADS:-16}
APP_THREADS=${APP_THREADS:-1}
POSTS=${POSTS:-10000}

bench_workdir app

# instance NAME PORT SERVER_ID [read_only]: a mariadbd in $work/NAME, like src/ctl/mariadb.cpp makes them.
instance() {
  local dir="$work/$1"
  mkdir -p "$dir/data" "$dir/tmp"
  cat > "$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/mysqld.sock
pid-file=$dir/mysqld.pid
tmpdir=$dir/tmp
bind-address=127.0.0.1
port=$2
server_id=$3
log_bin=binlog
relay_log=relay
binlog_format=ROW
gtid_strict_mode=ON
log_slave_updates=ON
skip-name-resolve
character_set_server=utf8mb4
collation_server=utf8mb4_unicode_ci
max_connections=1000
innodb_buffer_pool_size=128M
performance_schema=OFF
rpl_semi_sync_master_wait_point=AFTER_SYNC
rpl_semi_sync_master_timeout=4294967295
rpl_semi_sync_slave_enabled=ON
slave_parallel_threads=16
${4:+read_only=ON}
$( [ "$(id -u)" -eq 0 ] && echo "user=root" )
CNF
  mariadb-install-db --defaults-file="$dir/my.cnf" --auth-root-authentication-method=normal --skip-test-db \
    $( [ "$(id -u)" -eq 0 ] && echo --user=root ) > "$dir/install.log" 2>&1
  spawn 1 mariadbd --defaults-file="$dir/my.cnf" > "$dir/mariadbd.log" 2>&1
  for _ in $(seq 300); do
    mariadb --no-defaults -uroot -S "$dir/mysqld.sock" -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "mariadbd $1 did not start:" >&2; tail -20 "$dir/mariadbd.log" >&2; return 1
}
sql() { mariadb --no-defaults -uroot -S "$work/$1/mysqld.sock" -N -e "$2"; }

pport=$(free_port); rport=$(free_port)
instance primary "$pport" 1
instance replica "$rport" 2 ro
pw=bench$RANDOM$RANDOM
sql primary "CREATE DATABASE foobar; CREATE DATABASE sbtest;
  CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY '$pw';
  GRANT SELECT, INSERT, UPDATE, DELETE ON foobar.* TO 'bench'@'127.0.0.1';
  GRANT ALL ON sbtest.* TO 'bench'@'127.0.0.1';
  CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
  GRANT REPLICA MONITOR, BINLOG MONITOR ON *.* TO 'bench'@'127.0.0.1';"
sql primary "USE foobar; $(cat "$(dirname "$0")/../site/schema.sql")"
sql primary "USE foobar; INSERT INTO posts (author, body) SELECT CONCAT('user', seq), REPEAT('benchmark post ', 20) FROM seq_1_to_$POSTS"
sysbench oltp_point_select --mysql-host=127.0.0.1 --mysql-port="$pport" --mysql-user=bench --mysql-password="$pw" \
  --mysql-db=sbtest --tables=1 --table-size=100000 prepare > "$work/sysbench-prepare.log"
sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pport, MASTER_USER='repl',
  MASTER_PASSWORD='$pw', MASTER_USE_GTID=slave_pos; START SLAVE;"
target=$(sql primary "SELECT @@gtid_binlog_pos")
[ "$(sql replica "SELECT MASTER_GTID_WAIT('$target', 60)")" = 0 ] || { echo "replica did not catch up" >&2; exit 1; }

echo "$pw" > "$work/pw"
aport=$(free_port)
spawn 0 "$FOOBAR" app --listen "127.0.0.1:$aport" --threads "$APP_THREADS" --access-log off \
  --db-primary "127.0.0.1:$pport" --db-replica "127.0.0.1:$rport" --db-name foobar --db-user bench \
  --db-password-file "$work/pw" --db-monitor-user bench --db-monitor-password-file "$work/pw" \
  > "$work/app.log" 2>&1
wait_port "$aport"
for _ in $(seq 50); do [[ $(curl -s "http://127.0.0.1:$aport/api/health") == *'"healthy":true'* ]] && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$aport/api/posts/1" > /dev/null || { echo "app does not serve posts:"; tail "$work/app.log"; exit 1; }

cat > "$work/random_post.lua" <<LUA
math.randomseed(os.time())
request = function() return wrk.format("GET", "/api/posts/" .. math.random(1, $POSTS)) end
LUA

sysbench_qps() {
  on_cpu 0 sysbench oltp_point_select --mysql-host=127.0.0.1 --mysql-port="$rport" --mysql-user=bench \
    --mysql-password="$pw" --mysql-db=sbtest --tables=1 --table-size=100000 --threads="$THREADS" \
    --time="$DURATION" --report-interval=0 run | awk '/queries:/ {gsub(/[(]/, "", $3); print $3}'
}
app_rps() {
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/random_post.lua" "http://127.0.0.1:$aport/" > "$work/wrk.out"
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "warning: $(grep Non-2xx "$work/wrk.out")" >&2; fi
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}

sel_before=$(sql replica "SHOW GLOBAL STATUS LIKE 'Com_select'" | awk '{print $2}')
echo "foobar app (GET /api/posts/<random of $POSTS>, $APP_THREADS thread, wrk -t1 -c$CONNECTIONS) vs"
echo "sysbench oltp_point_select ($THREADS threads) on the same MariaDB replica; ${DURATION}s x $ROUNDS rounds"
s=(); a=()
for round in $(seq "$ROUNDS"); do
  s+=("$(sysbench_qps)")
  a+=("$(app_rps)")
done
sm=$(median "${s[@]}"); am=$(median "${a[@]}")
sel_after=$(sql replica "SHOW GLOBAL STATUS LIKE 'Com_select'" | awk '{print $2}')
printf '%-34s %12s\n' "sysbench point selects/s" "$sm" "foobar app GET /api/posts/ID/s" "$am"
printf '%-34s %12s\n' "ratio (app / sysbench)" "$(ratio "$am" "$sm")"
echo "(replica Com_select grew by $((sel_after - sel_before)): the app's reads ran there)"

# Writes: POST /api/posts (16 connections) with and without semi-synchronous
# replication, rounds alternating, both with the durability foobar's servers run
# with (sync_binlog=1, innodb_flush_log_at_trx_commit=1, replica sync_relay_log=0,
# parallel apply).
WRITE_CONNECTIONS=${WRITE_CONNECTIONS:-16}  # env SYNC_RELAY_LOG=1: the replica syncs every event before it acknowledges
sql primary "SET GLOBAL sync_binlog=1, GLOBAL innodb_flush_log_at_trx_commit=1"
sql replica "SET GLOBAL sync_relay_log=${SYNC_RELAY_LOG:-0}"
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"author":"bench","body":"a benchmark post of a modest length"}'
LUA
semi_sync() {  # semi_sync ON|OFF: switch it and wait until the app sees the replica acknowledging
  # Each round starts caught up: an asynchronous round may leave the replica behind.
  local pos; pos=$(sql primary "SELECT @@gtid_binlog_pos")
  [ "$(sql replica "SELECT MASTER_GTID_WAIT('$pos', 300)")" = 0 ] || { echo "replica did not catch up" >&2; exit 1; }
  sql primary "SET GLOBAL rpl_semi_sync_master_enabled=$1"
  sql replica "STOP SLAVE IO_THREAD; START SLAVE IO_THREAD"  # it asks for semi-sync when it connects
  if [ "$1" = ON ]; then
    for _ in $(seq 100); do
      [ "$(sql primary "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'" | awk '{print $2}')" = 1 ] && break
      sleep 0.1
    done
    [ "$(sql primary "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'" | awk '{print $2}')" = 1 ] ||
      { echo "the replica does not acknowledge semi-synchronously" >&2; exit 1; }
  fi
  local code
  for _ in $(seq 20); do  # the app's monitor looks once a second
    sleep 0.5
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
      -d '{"author":"bench","body":"probe"}' "http://127.0.0.1:$aport/api/posts")
    [ "$code" = 201 ] && break
  done
  [ "$code" = 201 ] || { echo "POST answers $code with semi-sync $1" >&2; tail "$work/app.log" >&2; exit 1; }
}
post_rps() {
  wrk -t1 -c"$WRITE_CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "http://127.0.0.1:$aport/api/posts" > "$work/wrk-post.out"
  if grep -q "Non-2xx" "$work/wrk-post.out"; then echo "warning: $(grep Non-2xx "$work/wrk-post.out")" >&2; fi
  awk '/Requests\/sec/ {print $2}' "$work/wrk-post.out"
}
off=(); on=()
for round in $(seq "$ROUNDS"); do
  semi_sync OFF; off+=("$(post_rps)")
  semi_sync ON; on+=("$(post_rps)")
done
[ "$(sql primary "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'" | awk '{print $2}')" -gt 0 ] ||
  { echo "no transaction was acknowledged semi-synchronously" >&2; exit 1; }
offm=$(median "${off[@]}"); onm=$(median "${on[@]}")
echo
echo "foobar app POST /api/posts (wrk -t1 -c$WRITE_CONNECTIONS), ${DURATION}s x $ROUNDS rounds, sync_binlog=1, replica sync_relay_log=${SYNC_RELAY_LOG:-0}:"
printf '%-34s %12s\n' "asynchronous replication, POST/s" "$offm" "semi-sync (AFTER_SYNC), POST/s" "$onm"
printf '%-34s %12s\n' "ratio (semi-sync / async)" "$(ratio "$onm" "$offm")"
