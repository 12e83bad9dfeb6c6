#!/usr/bin/env bash
# PostgreSQL beside SQLite (not a test): a throw-away server (initdb, pg_ctl, a Unix socket; as
# the postgres user under root), the dynamically linked release build, and the same work on
# both: the import of a generated bundle (first and unchanged re-run), `guardian duplicates`,
# and eight writers at once (each adds operators to one district, 20 apiece).
# Usage: Benchmarks/postgres.sh [STUDENTS] [DUPLICATE_STUDENTS]   (default: 100000 230000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release >&2
BIN=$PWD/.build/release/portaladmin
students=${1:-100000}
dupStudents=${2:-230000}
WORK=$(mktemp -d /tmp/portaladmin-pgbench-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; AS=(runuser -u postgres --); fi
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o "-k $WORK -c listen_addresses=''" start >/dev/null
trap '"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
newdb() { psql -h "$WORK" -U postgres -XAtqc "CREATE DATABASE $1" postgres; echo "postgresql:///$1?host=$WORK&user=postgres"; }
measure() { # prints "seconds peak_MB" of the portaladmin process
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || [ $? = 3 ] || { cat "$WORK/err" >&2; exit 1; }
    read -r s kb <"$WORK/t"; echo "$s $((kb / 1024))"
}
export PORTALADMIN_OPERATOR=bench PORTALADMIN_DISTRICT=bench
"$BIN" sample generate --students "$students" --out "$WORK/s" --seed 42 -q >/dev/null
"$BIN" sample generate --students "$dupStudents" --out "$WORK/d" --seed 7 -q >/dev/null
chmod -R a+rX "$WORK/s" "$WORK/d"
printf "| work | SQLite | PostgreSQL | ratio |\n|---|---:|---:|---:|\n"
for backend in sqlite postgres; do
    if [ $backend = sqlite ]; then db=$WORK/p.db; ddb=$WORK/d.db; wdb=$WORK/w.db
    else db=$(newdb imp); ddb=$(newdb dup); wdb=$(newdb wri); fi
    for x in "$db" "$ddb" "$wdb"; do PORTALADMIN_DB=$x "$BIN" district create bench --name Bench -q >/dev/null; done
    PORTALADMIN_DB=$wdb "$BIN" operator add bench --role admin -q >/dev/null
    export PORTALADMIN_DB=$db
    read -r first fm < <(measure "$BIN" roster import "$WORK/s" --yes -q)
    read -r again am < <(measure "$BIN" roster import "$WORK/s" --yes -q)
    PORTALADMIN_DB=$ddb "$BIN" roster import "$WORK/d" --yes -q >/dev/null
    guardians=$(PORTALADMIN_DB=$ddb "$BIN" roster stats -o tsv | awk -F'\t' '$1=="guardians"{print $2}')
    export PORTALADMIN_DB=$ddb
    read -r dup dm < <(measure "$BIN" guardian duplicates -o tsv)
    export PORTALADMIN_DB=$wdb
    s=$(date +%s.%N)
    for w in 0 1 2 3 4 5 6 7; do
        ( for i in $(seq 20); do "$BIN" operator add "w${w}x$i" --role helpdesk -q >/dev/null || echo "writer $w: exit $?" >&2; done ) &
    done
    wait
    writers=$(echo "$(date +%s.%N) - $s" | bc -l)
    ok=$("$BIN" audit verify -o tsv | awk -F'\t' 'NR==2{print $3}')
    eval "${backend}_first=$first ${backend}_fm=$fm ${backend}_again=$again ${backend}_am=$am ${backend}_dup=$dup ${backend}_dm=$dm ${backend}_w=$writers ${backend}_ok=$ok"
done
row() { printf "| %s | %.2f s | %.2f s | %.1fx |\n" "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)"; }
row "import, $students students (peak $sqlite_fm / $postgres_fm MB)" "$sqlite_first" "$postgres_first"
row "re-import, unchanged (peak $sqlite_am / $postgres_am MB)" "$sqlite_again" "$postgres_again"
row "guardian duplicates, $guardians guardians (peak $sqlite_dm / $postgres_dm MB)" "$sqlite_dup" "$postgres_dup"
row "8 writers x 20 operator add (chain ok: $sqlite_ok / $postgres_ok)" "$sqlite_w" "$postgres_w"
