#!/usr/bin/env bash
# Roster import benchmark (not a test): release build, generated bundles of 10k and 100k students.
# Reports wall time and peak memory of `roster import` (first run and an unchanged re-run) against
# the sqlite3 command-line tool `.import`ing the same CSV files into plain tables, in the same run.
# Usage: Benchmarks/import.sh [STUDENTS...]   (default: 10000 100000)
#        IDS=guid Benchmarks/import.sh ...        the same bundles with UUIDs for ids (to_guids.py)
case "${IDS:-numbered}" in
    numbered | guid) ;;
    *) echo "error: IDS takes numbered or guid, not '$IDS'" >&2; echo "hint: IDS=guid Benchmarks/import.sh 100000" >&2; exit 64 ;;
esac
source "$(dirname "$0")/common.sh"
sizes=("${@:-10000 100000}")
measure() { # prints "seconds peak_kb"
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    cat "$WORK/t"
}
printf "| students | rows | sqlite3 .import | portaladmin import | ratio | re-import | re-import / import | peak RSS |\n"
printf "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
for n in ${sizes[@]}; do
    dir=$WORK/s$n
    "$BIN" sample generate --students "$n" --out "$dir" --seed 42 -q >/dev/null
    if [ "${IDS:-numbered}" = guid ]; then
        python3 Benchmarks/to_guids.py "$dir" "$dir-guid" && rm -r "$dir" && mv "$dir-guid" "$dir"
    fi
    rows=$(( $(cat "$dir"/schools.csv "$dir"/guardians.csv "$dir"/students.csv "$dir"/relationships.csv | wc -l) - 4 ))
    printf '.mode csv\n.import %s/schools.csv schools\n.import %s/guardians.csv guardians\n.import %s/students.csv students\n.import %s/relationships.csv relationships\n' \
        "$dir" "$dir" "$dir" "$dir" > "$WORK/imp.sql"
    read -r base _ < <(measure sqlite3 "$WORK/raw$n.db" ".read $WORK/imp.sql")
    export PORTALADMIN_DB=$WORK/p$n.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
    "$BIN" district create bench --name Bench -q >/dev/null
    read -r first rss1 < <(measure "$BIN" roster import "$dir" -q)
    read -r again rss2 < <(measure "$BIN" roster import "$dir" -q)
    rss=$(( rss1 > rss2 ? rss1 : rss2 ))
    printf "| %s | %s | %.2f s | %.2f s | %.1fx | %.2f s | %.2fx | %d MB |\n" "$n" "$rows" "$base" "$first" \
        "$(echo "$first / $base" | bc -l)" "$again" "$(echo "$again / $first" | bc -l)" $(( rss / 1024 ))
done
