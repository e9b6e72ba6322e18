#!/usr/bin/env bash
# `make run`: the whole stack in the foreground with `foobar up` (lb on
# 127.0.0.1:8080 -> 2 web -> 2 app -> MariaDB primary + replica; state in ./.foobar).
# It prints each step, then the URL and the status table; Ctrl-C stops everything.
# Extra arguments go to `foobar up` (e.g. scripts/run.sh --http-port 8081).
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/foobar up "$@"
