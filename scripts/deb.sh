#!/usr/bin/env bash
# make deb: a Debian package of foobar with dpkg-deb — the binary, site/, the docs
# and the rendered example, a man page made from --help, and the `foobar` system
# user the rendered units run as. Depends come from the libraries the binary links.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/foobar"
version=$(sed -n 's/^project(foobar VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
arch=$(dpkg --print-architecture)
out="$root/build/deb"
pkg="$out/foobar_${version}_${arch}"
rm -rf "$pkg"
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/foobar" "$pkg/usr/share/doc/foobar" "$pkg/usr/share/man/man1"

install -m 0755 "$bin" "$pkg/usr/bin/foobar"
strip --strip-debug "$pkg/usr/bin/foobar"
cp -r "$root/site" "$pkg/usr/share/foobar/site"
install -D -m 0644 "$root/deploy/prometheus/foobar.rules.yml" "$pkg/usr/share/foobar/prometheus/foobar.rules.yml"
cp "$root/README.md" "$root"/docs/*.md "$pkg/usr/share/doc/foobar/"
cp -r "$root/deploy/example" "$pkg/usr/share/doc/foobar/example"
printf 'foobar %s\nCopyright: the foobar developers\n' "$version" > "$pkg/usr/share/doc/foobar/copyright"

# The man page: --help of the binary and of every subcommand, as roff.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
{
  printf '.TH FOOBAR 1 "%s" "foobar %s" "User Commands"\n' "$(date -u +%Y-%m-%d)" "$version"
  printf '.SH NAME\nfoobar \\- a three-tier web infrastructure in one binary\n'
  printf '.SH SYNOPSIS\n.B foobar\n\\fISUBCOMMAND\\fR [\\fIOPTIONS\\fR]\n.SH DESCRIPTION\n.nf\n'
  "$bin" --help | roff
  printf '.fi\n'
  for sub in $("$bin" --help | sed -n '/^Subcommands:/,$p' | awk 'NR>1 && NF {print $1}'); do
    printf '.SH "foobar %s"\n.nf\n' "$sub"
    "$bin" "$sub" --help | roff
    printf '.fi\n'
  done
  printf '.SH SEE ALSO\n/usr/share/doc/foobar/deploy.md, /usr/share/doc/foobar/configuration.md\n'
} | gzip -9n > "$pkg/usr/share/man/man1/foobar.1.gz"

# Depends: the package of every shared library the binary needs.
depends=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | while read -r lib; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
  [ -n "$path" ] || continue
  # merged /usr: dpkg knows one of the two spellings of the path
  { dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true; } | cut -d: -f1 | head -1
done | sort -u | paste -sd, | sed 's/,/, /g')

cat > "$pkg/DEBIAN/control" <<CONTROL
Package: foobar
Version: $version
Architecture: $arch
Maintainer: foobar developers <dev@foobar.com>
Section: web
Priority: optional
Depends: $depends, adduser
Recommends: mariadb-server, mariadb-client, keepalived, nftables, prometheus, prometheus-alertmanager, prometheus-mysqld-exporter, libjs-chart.js
Installed-Size: $(du -sk "$pkg" | cut -f1)
Homepage: https://www.foobar.com/
Description: three-tier web infrastructure in one binary
 foobar lb (load balancer), foobar web (static files and reverse proxy) and
 foobar app (the site's application server on MariaDB with GTID replicas),
 with foobar render writing each host's systemd units, keepalived and
 nftables configuration from one topology file.
CONTROL
cat > "$pkg/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && ! getent passwd foobar >/dev/null; then
  adduser --system --group --home /var/lib/foobar --no-create-home --quiet foobar
fi
POSTINST
chmod 0755 "$pkg/DEBIAN/postinst"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/" >/dev/null
echo "$out/foobar_${version}_${arch}.deb"
