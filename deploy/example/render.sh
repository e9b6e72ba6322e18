#!/usr/bin/env bash
# Re-renders every host of topology.toml into deploy/example/HOST/, the copy a
# reader can browse without running anything. Secrets are made in a temporary
# dir and left out of the copy (passwords read "<secret>"; no keys or certificates).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
foobar=${FOOBAR:-$here/../../build/foobar}
secrets=$(mktemp -d)
trap 'rm -rf "$secrets"' EXIT
hosts=$(sed -n 's/^name = "\(.*\)"/\1/p' "$here/topology.toml")
for h in $hosts; do
  rm -rf "${here:?}/$h"
  "$foobar" render --config "$here/topology.toml" --host "$h" --out "$here/$h" --secrets "$secrets" \
    --site "$here/../../site" >/dev/null
  rm -rf "$here/$h/etc/foobar/tls" "$here/$h/etc/foobar/secrets"
  if [ -f "$here/$h/etc/foobar/db/init.sql" ]; then
    sed -i -e "s/IDENTIFIED BY '[^']*'/IDENTIFIED BY '<secret>'/g" -e "s/MASTER_PASSWORD='[^']*'/MASTER_PASSWORD='<secret>'/g" \
      "$here/$h/etc/foobar/db/init.sql"
  fi
  # Paths as a real host has them (render wrote this checkout's).
  grep -rl "$here" "$here/$h" | xargs -r sed -i -e "s|$here/topology.toml|/etc/foobar/topology.toml|g" \
    -e "s|$here/../../site|/usr/share/foobar/site|g"
done
echo "rendered:" $hosts
