#!/usr/bin/env bash
# Installs the system packages portaladmin builds against, when they are missing:
# SQLite, OpenSSL's libcrypto and libpq (headers + pkg-config files), the PostgreSQL server, the sqlite3 tool used by the
# benchmarks and tests, and GNU time. Safe to run again; does nothing when everything is there.
set -euo pipefail
need=()
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
pkg-config --exists libpq 2>/dev/null || need+=(libpq-dev)
# The PostgreSQL server the tests start a throw-away cluster of (initdb, pg_ctl), and psql.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
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
