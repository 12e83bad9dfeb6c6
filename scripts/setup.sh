#!/usr/bin/env bash
# Installs the system packages portaladmin builds against, when they are missing:
# SQLite and OpenSSL's libcrypto (headers + pkg-config files), the sqlite3 tool used by the
# benchmarks and tests, and GNU time. Safe to run again; does nothing when everything is there.
set -euo pipefail
need=()
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
[ -e /usr/share/zoneinfo/UTC ] || need+=(tzdata)
# GNU time measures peak memory in a test and the benchmarks.
[ -x /usr/bin/time ] || need+=(time)
# man reads the installed page in the install test; groff checks the page for warnings.
command -v man >/dev/null 2>&1 || need+=(man-db)
command -v groff >/dev/null 2>&1 || need+=(groff-base)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
