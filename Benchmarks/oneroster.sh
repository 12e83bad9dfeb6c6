#!/usr/bin/env bash
# OneRoster import benchmark (not a test): a generated bundle of N students written as OneRoster
# users.csv and orgs.csv, with numbered ids and with UUIDs. Reports the import, its re-run and
# their peak memory against the sqlite3 command-line tool `.import`ing the same users.csv.
# Usage: Benchmarks/oneroster.sh [STUDENTS...]   (default: 10000 100000)
source "$(dirname "$0")/common.sh"
sizes=("${@:-10000 100000}")
measure() { # prints "seconds peak_kb"
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || [ $? = 3 ] || { cat "$WORK/err" >&2; exit 1; }
    cat "$WORK/t"
}
printf "| students | ids | sqlite3 .import | portaladmin import | ratio | re-import | peak RSS (import / re-import) |\n"
printf "|---:|---|---:|---:|---:|---:|---:|\n"
for n in ${sizes[@]}; do
    "$BIN" sample generate --students "$n" --out "$WORK/s$n" --seed 42 -q >/dev/null
    for ids in numbered guid; do
        dir=$WORK/or$n$ids
        python3 "$(dirname "$0")/to_oneroster.py" "$WORK/s$n" "$dir" $([ $ids = guid ] && echo guid)
        read -r base _ < <(measure sqlite3 "$WORK/raw$n$ids.db" ".mode csv" ".import $dir/users.csv users")
        export PORTALADMIN_DB=$WORK/p$n$ids.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
        "$BIN" district create bench --name Bench -q >/dev/null
        read -r first rss1 < <(measure "$BIN" roster import "$dir" --format oneroster -q)
        read -r again rss2 < <(measure "$BIN" roster import "$dir" --format oneroster -q)
        printf "| %s | %s | %.2f s | %.2f s | %.1fx | %.2f s | %d / %d MB |\n" "$n" "$ids" "$base" "$first" \
            "$(echo "$first / $base" | bc -l)" "$again" $(( rss1 / 1024 )) $(( rss2 / 1024 ))
    done
done
