#!/usr/bin/env bash
# `make run`: start foobar on 127.0.0.1:8080 in the foreground (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/foobar web --listen 127.0.0.1:8080 --root site/public --access-log -
