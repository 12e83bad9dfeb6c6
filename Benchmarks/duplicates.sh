#!/usr/bin/env bash
# Duplicate detection: accuracy against the generator's truth, blocking recall, speed and peak
# memory (not a test). Each size is generated twice: as an export with e-mail and phone, and as
# a guardians-only file without them (names, address and birth date: the record-linkage
# benchmark style).
# Usage: Benchmarks/duplicates.sh [STUDENTS...]   (default 100000 1150000: about 88k and 1M guardians)
source "$(dirname "$0")/common.sh"
ACC="$(dirname "$0")/accuracy.py"
echo "| guardians | export | time | peak RSS | candidates | blocking recall | likely precision | recall | F1 |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
[ $# -gt 0 ] || set -- 100000 1150000
for students in "$@"; do
    for contact in with without; do
        rm -rf "$WORK/s" "$WORK/g" "$WORK"/p.db*
        export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
        flag=""
        [ "$contact" = without ] && flag="--no-contact"
        "$BIN" sample generate --students "$students" --out "$WORK/s" --seed 7 $flag -q --yes >/dev/null
        bundle="$WORK/s"
        if [ "$contact" = without ]; then
            # Guardians only: no household, no children, no contact.
            mkdir -p "$WORK/g"
            python3 - "$WORK/s/guardians.csv" "$WORK/g/guardians.csv" <<'PY'
import csv, sys
cols = ["guardian_id", "given_name", "family_name", "street", "street2", "city", "state", "postcode", "birth_date"]
r = csv.DictReader(open(sys.argv[1], encoding="utf-8"))
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8"))
w.writerow(cols)
for row in r:
    w.writerow([row[c] for c in cols])
PY
            bundle="$WORK/g"
        fi
        "$BIN" district create bench --name Bench -q >/dev/null
        "$BIN" roster import "$bundle" -q --yes >/dev/null
        guardians=$(sqlite3 "$PORTALADMIN_DB" "SELECT count(*) FROM guardians")
        /usr/bin/time -f "%e %M" -o "$WORK/t" "$BIN" guardian duplicates --limit 0 -o jsonl >"$WORK/d.jsonl" 2>/dev/null
        read -r secs kb <"$WORK/t"
        likely=$(python3 "$ACC" "$WORK/s/truth.csv" "$WORK/d.jsonl" | awk -F'|' '$2 ~ /^ likely $/ { printf "%s | %s | %s", $7, $8, $9 }')
        # Every pair compared, listed with --min-score 0: the share of true pairs among them.
        cand="-"
        recall="-"
        if [ "$guardians" -le 300000 ]; then
            "$BIN" guardian duplicates --limit 0 --min-score 0 -o jsonl >"$WORK/c.jsonl" 2>/dev/null
            cand=$(wc -l <"$WORK/c.jsonl")
            recall=$(python3 "$ACC" "$WORK/s/truth.csv" "$WORK/c.jsonl" | awk -F'|' '$2 ~ /likely \+ possible/ { print $8 }')
        fi
        echo "| $guardians | $contact e-mail and phone | $secs s | $((kb / 1024)) MB | $cand | $recall | $likely |"
    done
done
