#!/usr/bin/env bash
# The reliability battery for a release (not a test: it takes half an hour and more). Runs the
# release build the way an attacker, a busy district and a failing machine would, and prints
# figures for the README's reliability section:
#   1. concurrent writers: 6 processes x 80 writes, none lost, one audit row each, no "busy";
#   2. a login storm: 24 logins at once with a registrar's write among them;
#   3. kill -9 at 20 or more points each during an import, a bulk key issue with letters, a
#      merge and a merge undo: every time all or nothing, integrity and audit chain intact,
#      no letters file holding a key that is not stored;
#   4. a full disk (a 1 MB tmpfs, when run as root) and a file-size limit: exit 74 with a
#      message, nothing written, no partial file left;
#   5. the import fuzz run (PORTALADMIN_FUZZ_CASES, default 100,000).
# Environment: STUDENTS (default 3000), KILLS (default 20), FUZZ (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release >&2
BIN=$PWD/.build/release/portaladmin
WORK=$(mktemp -d /tmp/portaladmin-battery-XXXXXX)
MNT=""
cleanup() {
    if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=b1 PORTALADMIN_OPERATOR=battery
STUDENTS=${STUDENTS:-3000}
KILLS=${KILLS:-20}
FUZZ=${FUZZ:-100000}
fail=0
check() { # the database is whole and its audit chain intact
    local ok
    ok=$(sqlite3 "$PORTALADMIN_DB" 'PRAGMA integrity_check' 2>&1)
    [ "$ok" = ok ] || { echo "  integrity: $ok"; fail=1; }
    "$BIN" audit verify -q >/dev/null 2>&1 || { echo "  audit chain broken"; fail=1; }
}
count() { sqlite3 "$PORTALADMIN_DB" "$1"; }

"$BIN" sample generate --students "$STUDENTS" --out "$WORK/s" --seed 7 -q --yes >/dev/null
"$BIN" district create b1 --name "Battery District" -q >/dev/null
"$BIN" district set aup_required=false lockout_threshold=5 -q >/dev/null
"$BIN" roster import "$WORK/s" -q >/dev/null

echo "1. concurrent writers"
before=$(count "SELECT count(*) FROM audit_log WHERE district_id='b1'")
busy=0
for w in 1 2 3 4 5 6; do
    (
        for i in $(seq 80); do
            if [ $((i % 2)) -eq 0 ]; then
                "$BIN" feature disable grades --school "SCH10$((w - 1))" --reason "w$w-$i" -q >/dev/null 2>&1 || echo "exit $?"
            else
                "$BIN" feature enable grades --school "SCH10$((w - 1))" --reason "w$w-$i" -q >/dev/null 2>&1 || echo "exit $?"
            fi
        done
    ) >"$WORK/writer$w" &
done
wait
busy=$(cat "$WORK"/writer* | grep -c . || true)
after=$(count "SELECT count(*) FROM audit_log WHERE district_id='b1'")
echo "  480 writes: $((after - before)) audit rows, $busy failed"
[ $((after - before)) -eq 480 ] && [ "$busy" -eq 0 ] || fail=1
check

echo "2. login storm"
G=$(count "SELECT guardian_id FROM links WHERE district_id='b1' AND portal_access = 1 ORDER BY guardian_id LIMIT 1")
KEY=$("$BIN" key issue --guardian "$G" -o json | sed -n 's/.*"key": "\(.*\)".*/\1/p')
printf '%s\n%s\n' "$KEY" "purple elephants dance at noon" | "$BIN" portal activate --username storm >/dev/null
start=$(date +%s.%N)
for i in $(seq 24); do
    user=storm
    [ $((i % 2)) -eq 0 ] && user="nobody$i"
    (
        set +e
        echo "wrong $i" | "$BIN" portal login --username "$user" -q >/dev/null 2>&1
        echo "$?" >"$WORK/login$i"
    ) &
    if [ "$i" -eq 12 ]; then
        (
            set +e
            "$BIN" feature disable lunch --reason storm -q >/dev/null 2>&1
            echo "$?" >"$WORK/registrar"
        ) &
    fi
done
wait
end=$(date +%s.%N)
codes=$(cat "$WORK"/login* | sort | uniq -c | tr '\n' ' ')
failed=$(count "SELECT failed_count FROM accounts WHERE district_id='b1' AND username='storm'")
echo "  24 logins in $(echo "$end - $start" | bc) s: exit codes $codes; registrar exit $(cat "$WORK/registrar"); failures counted $failed (threshold 5)"
grep -q 75 "$WORK"/login* "$WORK/registrar" && fail=1
[ "$failed" -eq 5 ] || fail=1

echo "3. kill -9"
killed() { # runs "$@" and kills it after a random 0.05-1.5 s; prints the exit code
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.05 + r / 32767 * 1.45 }')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null && echo 0 || echo $?
}
"$BIN" district create b2 --name "Kill District" -q >/dev/null
"$BIN" district set aup_required=false --district b2 -q >/dev/null
partial=0
for i in $(seq "$KILLS"); do
    n0=$(count "SELECT count(*) FROM students WHERE district_id='b2'")
    killed "$BIN" roster import "$WORK/s" --district b2 --yes >/dev/null
    n1=$(count "SELECT count(*) FROM students WHERE district_id='b2'")
    [ "$n1" -eq "$n0" ] || [ "$n1" -eq "$STUDENTS" ] || partial=$((partial + 1))
    check
    "$BIN" roster import "$WORK/s" --district b2 -q --yes >/dev/null 2>&1 || true
done
echo "  import: $KILLS kills, $partial partly written"
[ "$partial" -eq 0 ] || fail=1
paper=0
for i in $(seq "$KILLS"); do
    rm -f "$WORK/letters.csv"
    killed "$BIN" key issue --file "$WORK/s/guardians.csv" --district b2 --yes --letters "$WORK/letters.csv" >/dev/null
    check
    if [ -f "$WORK/letters.csv" ]; then
        # Every key on paper is stored: check a few of them.
        for k in $(tail -n +2 "$WORK/letters.csv" | shuf -n 3 | awk -F, '{ print $(NF-3) }'); do
            echo "$k" | "$BIN" key check --district b2 -q >/dev/null 2>&1 || paper=$((paper + 1))
        done
    fi
    ls "$WORK" | grep -q 'letters.csv\.' && paper=$((paper + 1))
done
echo "  key issue --letters: $KILLS kills, $paper keys on paper that were not stored (or debris)"
[ "$paper" -eq 0 ] || fail=1
merges=0
for i in $(seq "$KILLS"); do
    pair=$("$BIN" guardian duplicates --district b2 -o jsonl 2>/dev/null | grep '"likely"' | shuf -n 1 || true)
    [ -n "$pair" ] || break
    a=$(echo "$pair" | sed -n 's/.*"a":"\([^"]*\)".*/\1/p')
    b=$(echo "$pair" | sed -n 's/.*"b":"\([^"]*\)".*/\1/p')
    m0=$(count "SELECT count(*) FROM merges WHERE district_id='b2'")
    killed "$BIN" guardian merge "$a" "$b" --district b2 --yes >/dev/null
    check
    m1=$(count "SELECT count(*) FROM merges WHERE district_id='b2'")
    if [ "$m1" -gt "$m0" ]; then
        id=$(count "SELECT max(merge_id) FROM merges WHERE district_id='b2'")
        killed "$BIN" merge undo "$id" --district b2 --yes >/dev/null
        check
    fi
    merges=$((merges + 1))
done
echo "  merge and merge undo: $merges kills each, checked after each"

echo "4. full disk and file-size limit"
if [ "$(id -u)" -eq 0 ] && MNT=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then
    PORTALADMIN_DB=$MNT/p.db "$BIN" district create f1 --name Full -q >/dev/null
    set +e
    PORTALADMIN_DB=$MNT/p.db "$BIN" roster import "$WORK/s" --district f1 --results "$MNT/results.csv" >/dev/null 2>"$WORK/full.err"
    code=$?
    set -e
    debris=$(ls "$MNT" | grep -c results || true)
    echo "  tmpfs 1 MB: exit $code, \"$(head -1 "$WORK/full.err")\", $debris results files left"
    [ "$code" -eq 74 ] && [ "$debris" -eq 0 ] || fail=1
else
    echo "  tmpfs: skipped (needs root and mount)"
fi
"$BIN" district create f2 --name Limit -q >/dev/null
sqlite3 "$PORTALADMIN_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
set +e
(ulimit -f 256; exec "$BIN" roster import "$WORK/s" --district f2 --results "$WORK/limit.csv") >/dev/null 2>"$WORK/limit.err"
code=$?
set -e
echo "  ulimit -f: exit $code, \"$(head -1 "$WORK/limit.err")\", results file left: $([ -e "$WORK/limit.csv" ] && echo yes || echo no)"
[ "$code" -eq 74 ] && [ ! -e "$WORK/limit.csv" ] || fail=1
check

echo "5. import fuzz ($FUZZ cases)"
start=$(date +%s)
PORTALADMIN_FUZZ_CASES=$FUZZ swift test --filter ImportFuzzTests 2>&1 | grep -E "fuzz:|✘|passed after|failed after" || fail=1
echo "  in $(($(date +%s) - start)) s"

[ "$fail" -eq 0 ] && echo "battery: all held" || { echo "battery: FAILED (see above)"; exit 1; }
