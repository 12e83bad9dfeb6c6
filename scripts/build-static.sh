#!/usr/bin/env bash
# Builds the fully static release binary (system packages first) and prints its path; the
# build's own output goes to standard error. Used by install.sh and release.sh. It keeps its
# data in SQLite only: libpq has no static library of its own dependencies on Debian
# (libpgcommon, libpgport, GSSAPI, LDAP), so PostgreSQL support is left out of it
# (PORTALADMIN_NO_POSTGRES); `swift build -c release` has both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -static-executable -Xswiftc -DPORTALADMIN_NO_POSTGRES >&2
echo "$PWD/.build/release/portaladmin"
