#!/usr/bin/env bash
# Builds the static release binary and installs it, the man page and the bash, zsh and fish
# completions in the usual places under a prefix.
# Usage: scripts/install.sh [--prefix DIR] [--binary FILE]
#   --prefix DIR   where to install (default /usr/local): DIR/bin, DIR/share/man/man1,
#                  DIR/share/bash-completion/completions, DIR/share/zsh/site-functions,
#                  DIR/share/fish/vendor_completions.d
#   --binary FILE  install this binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }
prefix=/usr/local
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix | --binary)
        [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; echo "hint: $(usage | sed -n 3p)" >&2; exit 64; }
        if [ "$1" = --prefix ]; then prefix=$2; else binary=$2; fi
        shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --binary=*) binary=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
        echo "error: unknown option '$1'" >&2
        echo "hint: $(usage | sed -n 3p)" >&2
        exit 64 ;;
    esac
done
[ -n "$binary" ] || binary=$(scripts/build-static.sh)
[ -x "$binary" ] || { echo "error: $binary is not an executable" >&2; echo "hint: build it first, or leave out --binary" >&2; exit 66; }
install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$prefix/bin/portaladmin"
install -m 0644 man/portaladmin.1 "$prefix/share/man/man1/portaladmin.1"
install -m 0644 Completions/portaladmin.bash "$prefix/share/bash-completion/completions/portaladmin"
install -m 0644 Completions/_portaladmin "$prefix/share/zsh/site-functions/_portaladmin"
install -m 0644 Completions/portaladmin.fish "$prefix/share/fish/vendor_completions.d/portaladmin.fish"
echo "installed $("$prefix/bin/portaladmin" --version) in $prefix/bin, its man page and completions under $prefix/share" >&2
