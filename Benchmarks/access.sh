#!/usr/bin/env bash
# Age-18 scan and access explain benchmark (not a test) on a generated district of N students
# (default 100000): whole-process times, against a bare sqlite3 start on the same file.
source "$(dirname "$0")/common.sh"
N=${1:-100000}
RUNS=${RUNS:-30}
district "$N"
guardian=$(sqlite3 "$PORTALADMIN_DB" "SELECT guardian_id FROM links WHERE district_id='bench' LIMIT 1 OFFSET 5000")
base=$(avg sqlite3 "$PORTALADMIN_DB" "SELECT 1")
explain=$(avg "$BIN" access explain --guardian "$guardian")
RUNS=5 scan=$(avg "$BIN" age18 scan --limit 0)
rows=$("$BIN" age18 scan --limit 0 -o tsv | wc -l)
printf "| command | whole process | vs bare sqlite3 start |\n|---|---:|---:|\n"
printf "| sqlite3 (SELECT 1) | %.1f ms | 1.0x |\n" "$(echo "$base * 1000" | bc -l)"
printf "| access explain --guardian (all children) | %.1f ms | %.1fx |\n" "$(echo "$explain * 1000" | bc -l)" "$(echo "$explain / $base" | bc -l)"
printf "| age18 scan --limit 0 (%d rows) | %.0f ms | |\n" "$((rows - 1))" "$(echo "$scan * 1000" | bc -l)"
