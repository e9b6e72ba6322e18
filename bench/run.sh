#!/usr/bin/env bash
# make bench: every side-by-side benchmark, one after another.
set -euo pipefail
cd "$(dirname "$0")"
for b in web lb tls backend-tls app idle metrics; do
  if [ -x "./$b.sh" ]; then echo; echo "== $b =="; "./$b.sh"; fi
done
if [ -x ../build/bench/bench_http_parser ]; then echo; echo "== http parser (microbenchmark) =="; ../build/bench/bench_http_parser --benchmark_min_time=0.5; fi
