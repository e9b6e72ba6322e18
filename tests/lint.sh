#!/usr/bin/env bash
# Source checks that the compiler does not make (see docs/style.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rnE 'co_return[[:space:]]+co_await' src tests --include='*.cpp' --include='*.hpp'; then
  echo "lint: 'co_return co_await' is miscompiled by g++ 12; assign to a local first (docs/style.md)" >&2
  exit 1
fi
echo "lint: ok"
