# Shared set-up of the benchmark scripts (sourced, not run): system packages, the release
# build, a scratch folder removed on exit, and timing helpers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
for tool in time bc; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done
BIN=$(scripts/build-static.sh)
WORK=$(mktemp -d /tmp/portaladmin-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
# Average wall seconds of $RUNS runs of a command.
avg() {
    local s e
    s=$(now)
    for _ in $(seq "${RUNS:-30}"); do "$@" >/dev/null 2>&1 || true; done
    e=$(now)
    echo "($e - $s) / ${RUNS:-30}" | bc -l
}
# A generated district of $1 students, imported into $PORTALADMIN_DB as district "bench".
district() {
    export PORTALADMIN_DB=$WORK/p.db PORTALADMIN_DISTRICT=bench PORTALADMIN_OPERATOR=bench
    "$BIN" sample generate --students "$1" --out "$WORK/s" --seed "${SEED:-42}" -q >/dev/null
    "$BIN" district create bench --name Bench "${@:2}" -q >/dev/null
    "$BIN" roster import "$WORK/s" -q >/dev/null
}
