#!/usr/bin/env bash
# Duplicate detection: accuracy against the generator's truth and speed (not a test).
# Usage: Benchmarks/duplicates.sh [STUDENTS]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for tool in time bc; do command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }; done
swift build -c release --static-swift-stdlib >&2
BIN=$PWD/.build/release/portaladmin
N=${1:-100000}
WORK=$(mktemp -d /tmp/portaladmin-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
"$BIN" sample generate --students "$N" --out "$WORK/s" --seed 7 -q >/dev/null
"$BIN" district create bench --name Bench -q >/dev/null
"$BIN" roster import "$WORK/s" -q >/dev/null
guardians=$(sqlite3 "$PORTALADMIN_DB" "SELECT count(*) FROM guardians")
/usr/bin/time -f "%e %M" -o "$WORK/t" "$BIN" guardian duplicates --limit 0 --min-score 0.5 -o jsonl > "$WORK/d.jsonl" 2>/dev/null
read -r secs kb < "$WORK/t"
echo "guardian duplicates on $guardians guardians: $secs s, peak RSS $((kb / 1024)) MB"
echo
python3 "$(dirname "$0")/accuracy.py" "$WORK/s/truth.csv" "$WORK/d.jsonl"
