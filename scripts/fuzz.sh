#!/usr/bin/env bash
# Bounded libFuzzer run of the HTTP/1.1 codec and board JSON targets (tests/fuzz), as `make test` does.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60, shared between the targets)
# Builds into build/fuzz with clang++-14 (ASan + UBSan + libFuzzer), fuzzes each
# target on a temp copy of its seed corpus (the repo is never written to) and exits
# non-zero on any crash, sanitizer report, timeout or failed invariant. A crashing
# input is kept in build/fuzz/artifacts/ to reproduce: build/fuzz/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."

total=${1:-60}
if ! [[ $total =~ ^[0-9]+$ ]] || [ "$total" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi
targets=(fuzz_request_parser fuzz_response_parser fuzz_post_api)
per=$(( total / ${#targets[@]} ))
[ "$per" -ge 1 ] || per=1

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 not found (run 'make deps')" >&2
  exit 1
fi

build=build/fuzz
log=$(mktemp)
if ! { cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 &&
       cmake --build "$build" -j "$(nproc)"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "fuzz: build failed" >&2
  exit 1
fi
rm -f "$log"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=0
for t in "${targets[@]}"; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  seeds=$(ls "$corpus" | wc -l)
  out="$work/$t.log"
  start=$(date +%s)
  if "$build/$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
       -dict="tests/fuzz/$([ "$t" = fuzz_post_api ] && echo json || echo http).dict" -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$t-" "$corpus" >"$out" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
    cov=$(grep -o 'cov: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)
    echo "fuzz: $t ok: ${runs:-?} runs in $(( $(date +%s) - start ))s, coverage ${cov:-?} edges," \
         "corpus $seeds -> $(ls "$corpus" | wc -l) inputs"
  else
    failed=1
    echo "fuzz: $t FAILED after $(( $(date +%s) - start ))s (crash, sanitizer report, timeout or invariant):" >&2
    grep -v '^#[0-9]' "$out" | tail -n 60 >&2
    ls -1 "$build/artifacts/$t-"* 2>/dev/null | sed 's/^/fuzz: reproducer: /' >&2 || true
  fi
done
exit "$failed"
