#!/usr/bin/env bash
# The database failover test at length: tests/cluster/db_failover.cpp with 100
# SIGKILLs of the primary (and 50 cut links), the same checks (no acknowledged
# write lost, no definitely failed write stored, equal checksums, no failed
# read) and the per-fault figures. Root (network namespaces); about 25 minutes.
# Not part of `make test` or `make bench`.
# Usage: bench/failover-soak.sh   (env: KILLS=100)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/tests/cl_db_failover ] || { echo "build first: make build" >&2; exit 1; }
FOOBAR_FAILOVER_KILLS=${KILLS:-100} timeout 7200 build/tests/cl_db_failover
