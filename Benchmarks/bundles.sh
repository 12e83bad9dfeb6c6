#!/usr/bin/env bash
# The import of the bundles districts send (not a test): for each size, a generated district
# written six ways (native files and OneRoster, numbered ids and UUIDs, OneRoster with UUIDs
# and every column of 1.1 with demographics.csv, as an SIS exports it, and the same with every
# field in quotes and CRLF line ends, as many SIS exports write them), each imported
# into a new database and then again unchanged, against the sqlite3 command-line tool
# `.import`ing the same files (native: all four; OneRoster: users.csv and demographics.csv).
# Every figure is the median of $RUNS runs (3), the peak the highest of them.
# Usage: Benchmarks/bundles.sh [STUDENTS...]   (default: 100000 300000)
source "$(dirname "$0")/common.sh"
sizes=("${@:-100000 300000}")
RUNS=${RUNS:-3}
measure() { # prints "seconds peak_kb"
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || [ $? = 3 ] || { cat "$WORK/err" >&2; exit 1; }
    cat "$WORK/t"
}
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
printf "| bundle | students | sqlite3 .import | import | ratio | re-import | re-import / import | peak RSS |\n"
printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
for n in ${sizes[@]}; do
    "$BIN" sample generate --students "$n" --out "$WORK/native-numbered" --seed 42 -q >/dev/null
    "$BIN" sample generate --students "$n" --out "$WORK/native-uuid" --seed 42 --ids uuid -q >/dev/null
    python3 "$(dirname "$0")/to_oneroster.py" "$WORK/native-numbered" "$WORK/oneroster-numbered"
    python3 "$(dirname "$0")/to_oneroster.py" "$WORK/native-numbered" "$WORK/oneroster-uuid" guid
    python3 "$(dirname "$0")/to_oneroster.py" "$WORK/native-numbered" "$WORK/oneroster-full" full
    python3 "$(dirname "$0")/to_oneroster.py" "$WORK/native-numbered" "$WORK/oneroster-quoted" quoted
    for bundle in native-numbered native-uuid oneroster-numbered oneroster-uuid oneroster-full \
        oneroster-quoted; do
        dir=$WORK/$bundle
        format=${bundle%%-*}; [ "$format" = native ] && format=csv
        if [ "$format" = csv ]; then
            baseline=(".mode csv" ".import $dir/schools.csv sc" ".import $dir/guardians.csv g"
                ".import $dir/students.csv s" ".import $dir/relationships.csv r")
        else
            baseline=(".mode csv" ".import $dir/users.csv users")
            [ -f "$dir/demographics.csv" ] && baseline+=(".import $dir/demographics.csv demographics")
        fi
        base=() first=() again=() peak=0
        for _ in $(seq "$RUNS"); do
            rm -f "$WORK/raw.db"
            read -r b _ < <(measure sqlite3 "$WORK/raw.db" "${baseline[@]}")
            export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
            rm -f "$WORK"/p.db*
            "$BIN" district create bench --name Bench -q >/dev/null
            read -r f rss1 < <(measure "$BIN" roster import "$dir" --format "$format" -q)
            read -r a rss2 < <(measure "$BIN" roster import "$dir" --format "$format" -q)
            base+=("$b") first+=("$f") again+=("$a")
            peak=$(( rss1 > peak ? rss1 : peak )) peak=$(( rss2 > peak ? rss2 : peak ))
        done
        B=$(printf "%s\n" "${base[@]}" | median) F=$(printf "%s\n" "${first[@]}" | median)
        A=$(printf "%s\n" "${again[@]}" | median)
        printf "| %s | %s | %.2f s | %.2f s | %.1fx | %.2f s | %.2f | %d MB |\n" "${bundle/-/, }" "$n" \
            "$B" "$F" "$(echo "$F / $B" | bc -l)" "$A" "$(echo "$A / $F" | bc -l)" $(( peak / 1024 ))
    done
    rm -rf "$WORK"/native-* "$WORK"/oneroster-*
done
