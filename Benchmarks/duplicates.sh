#!/usr/bin/env bash
# Duplicate detection: accuracy against the generator's truth and speed (not a test).
# Usage: Benchmarks/duplicates.sh [STUDENTS]   (default 100000)
source "$(dirname "$0")/common.sh"
SEED=7 district "${1:-100000}"
guardians=$(sqlite3 "$PORTALADMIN_DB" "SELECT count(*) FROM guardians")
/usr/bin/time -f "%e %M" -o "$WORK/t" "$BIN" guardian duplicates --limit 0 --min-score 0.5 -o jsonl > "$WORK/d.jsonl" 2>/dev/null
read -r secs kb < "$WORK/t"
echo "guardian duplicates on $guardians guardians: $secs s, peak RSS $((kb / 1024)) MB"
echo
python3 "$(dirname "$0")/accuracy.py" "$WORK/s/truth.csv" "$WORK/d.jsonl"
