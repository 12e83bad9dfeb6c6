#!/usr/bin/env bash
# Duplicate detection on files in the style of the standard record-linkage benchmarks
# (Benchmarks/linkage_style.py: independent people, names, address and birth date, one to four
# corruptions per duplicate): accuracy of `guardian duplicates` against the truth, blocking
# recall, time and peak memory (not a test).
# Usage: Benchmarks/linkage.sh [ORIGINALS...]   (default 5000 50000 115000: about 9k, 89k, 205k records)
source "$(dirname "$0")/common.sh"
ACC="$(dirname "$0")/accuracy.py"
echo "| records | time | peak RSS | pairs compared | blocking recall | likely: precision | recall | F1 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
[ $# -gt 0 ] || set -- 5000 50000 115000
seed=1
for originals in "$@"; do
    rm -rf "$WORK/l" "$WORK"/p.db*
    python3 "$(dirname "$0")/linkage_style.py" "$WORK/l/in" "$originals" "$seed" 0.5 2>/dev/null
    seed=$((seed + 1))
    mv "$WORK/l/in/truth.csv" "$WORK/l/truth.csv"
    export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
    "$BIN" district create bench --name Bench -q >/dev/null
    "$BIN" roster import "$WORK/l/in" -q --yes >/dev/null 2>&1 || true
    records=$(sqlite3 "$PORTALADMIN_DB" "SELECT count(*) FROM guardians")
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$BIN" guardian duplicates --limit 0 -o jsonl >"$WORK/d.jsonl" 2>/dev/null
    read -r secs kb <"$WORK/t"
    likely=$(python3 "$ACC" "$WORK/l/truth.csv" "$WORK/d.jsonl" | awk -F'|' '$2 ~ /^ likely $/ { printf "%s | %s | %s", $7, $8, $9 }')
    "$BIN" guardian duplicates --limit 0 --min-score 0 -o jsonl >"$WORK/c.jsonl" 2>/dev/null
    cand=$(wc -l <"$WORK/c.jsonl")
    recall=$(python3 "$ACC" "$WORK/l/truth.csv" "$WORK/c.jsonl" | awk -F'|' '$2 ~ /likely \+ possible/ { print $8 }')
    echo "| $records | $secs s | $((kb / 1024)) MB | $cand | $recall | $likely |"
done
