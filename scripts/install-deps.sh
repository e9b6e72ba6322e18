#!/usr/bin/env bash
# Installs every Debian package foobar needs to build, test, run and benchmark.
# Idempotent and fast when everything is present: apt-get runs only for missing packages.
set -euo pipefail

packages=(
  # toolchain; libclang-rt-14-dev holds clang's sanitizer and -fsanitize=fuzzer
  # runtimes (only a Recommends of clang-14, so --no-install-recommends skips it)
  build-essential cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev libfuzzer-14-dev
  # libraries (Boost 1.81: Asio is all we use, compiled once in src/core/asio_impl.cpp)
  libboost1.81-dev libssl-dev libtomlplusplus-dev libcli11-dev libfmt-dev libspdlog-dev
  nlohmann-json3-dev libmariadb-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl openssl wrk procps iproute2 python3
  # real hosts: the lb pair's VIP and the per-host firewall (foobar render; tests/cluster/real_hosts)
  keepalived nftables
  # ACME: Let's Encrypt's test server and its mock DNS (tests/integration/acme_test.cpp)
  pebble
  # monitoring: foobar up runs them when present (the exporter beside each mariadbd); promtool lints /metrics and tests the alert rules
  prometheus prometheus-alertmanager prometheus-mysqld-exporter
  # the package test: a clean Debian 12 root for `make deb`'s package (tests/package)
  debootstrap
  # database server and the benchmark anchors
  mariadb-server mariadb-client sysbench nginx haproxy h2o
  # browser tests (playwright-core from npm drives Debian's chromium; certutil puts the local CA in its store)
  chromium libnss3-tools
  # the dashboard's charts, served by the lb's admin listener (no CDN)
  libjs-chart.js
)

missing=()
# Node.js may come from another source that bundles npm; add Debian's only when absent.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run 'make deps' as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages like nginx and mariadb-server start their system service on install;
# foobar runs its own instances, so keep the system ones stopped (policy-rc.d: 101 = deny).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
fi
trap '[ $own_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
