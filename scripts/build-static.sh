#!/usr/bin/env bash
# Builds the fully static release binary (system packages first) and prints its path; the
# build's own output goes to standard error. Used by install.sh and release.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -static-executable >&2
echo "$PWD/.build/release/portaladmin"
