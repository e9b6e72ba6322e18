#!/usr/bin/env bash
# The package on a clean Debian 12: `make deb`'s script builds it, debootstrap
# makes a minimal bookworm root, apt installs the package into it (its Depends resolved from Debian),
# then, inside that root: the binary runs, the postinst made the foobar user, the
# man page and site are in place, `foobar render` writes a host's files from the
# packaged example with its defaults, and systemd-analyze verifies those units.
# Needs root and Debian's mirror; exits 77 (skipped) without them.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (debootstrap, chroot)"; exit 77; }
command -v debootstrap >/dev/null || { echo "skipped: no debootstrap (make deps installs it)"; exit 77; }
deb=$(bash "$root_dir/scripts/deb.sh")

work=$(mktemp -d /tmp/foobar-deb-XXXXXX)
chroot_dir="$work/root"
cleanup() {
  umount "$chroot_dir/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mirror=http://deb.debian.org/debian
if ! debootstrap --variant=minbase bookworm "$chroot_dir" "$mirror" > "$work/debootstrap.log" 2>&1; then
  if grep -q "Failed getting release file\|Couldn't download\|Temporary failure resolving" "$work/debootstrap.log"; then
    echo "skipped: Debian's mirror is unreachable:"; tail -3 "$work/debootstrap.log"; exit 77
  fi
  cat "$work/debootstrap.log" >&2
  exit 1
fi
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
mount -t proc proc "$chroot_dir/proc"
cp "$deb" "$chroot_dir/tmp/"
in_root() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
check() { echo "install_test: $*"; }

in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" > "$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
check "apt installed $(basename "$deb") into a clean bookworm root"

in_root foobar --version | grep -q '^foobar' || { echo "foobar --version failed" >&2; exit 1; }
in_root getent passwd foobar | grep -q ':/var/lib/foobar:' || { echo "no foobar system user" >&2; exit 1; }
[ -s "$chroot_dir/usr/share/man/man1/foobar.1.gz" ] || { echo "no man page" >&2; exit 1; }
[ -f "$chroot_dir/usr/share/foobar/site/public/index.html" ] || { echo "no site" >&2; exit 1; }
check "foobar runs, the foobar user exists, man page and site installed"

example=/usr/share/doc/foobar/example/topology.toml
in_root foobar render --check --config "$example" > "$work/check.log"
grep -q "ok, 8 hosts" "$work/check.log" || { cat "$work/check.log" >&2; exit 1; }
for host in lb1 web1 app1 db1; do
  in_root foobar render --config "$example" --host "$host" --out "/render/$host" --secrets /render/secrets > /dev/null
done
for unit in lb1/foobar-lb web1/foobar-web app1/foobar-app db1/foobar-db lb1/foobar-firewall; do
  [ -f "$chroot_dir/render/${unit%%/*}/etc/systemd/system/${unit#*/}.service" ] || { echo "no $unit unit" >&2; exit 1; }
done
grep -q "root = \"/usr/share/foobar/site/public\"" "$chroot_dir/render/web1/etc/foobar/web.toml" ||
  { echo "web root is not the packaged site" >&2; exit 1; }
check "foobar render wrote lb1, web1, app1, db1 from the packaged example with its defaults"

# The units as systemd reads them, on a root that has what a server has
# (systemd, procps's kill, nftables): copied to its /etc, verified offline. The
# database unit is left out: it names mariadbd, which this root does not have.
in_root apt-get install -y -qq --no-install-recommends systemd procps nftables > "$work/apt2.log" 2>&1 ||
  { cat "$work/apt2.log" >&2; exit 1; }
for host in lb1 web1 app1; do
  cp "$chroot_dir/render/$host"/etc/systemd/system/*.service "$chroot_dir/etc/systemd/system/"
done
units=(foobar-lb.service foobar-web.service foobar-app.service foobar-firewall.service)
out=$(cd "$chroot_dir/etc/systemd/system" && systemd-analyze verify --root="$chroot_dir" --man=no "${units[@]}" 2>&1) ||
  { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify complained:"; echo "$out"; exit 1; } >&2
check "systemd-analyze verify: ${units[*]} clean"
for host in lb1 web1 app1 db1; do  # nft parses each host's ruleset (check only: nothing is loaded)
  in_root nft -c -f "/render/$host/etc/foobar/foobar.nft" || { echo "nft rejects $host's foobar.nft" >&2; exit 1; }
done
check "nft -c accepts every rendered ruleset on a system without /etc/protocols"
echo "install_test: ok"
