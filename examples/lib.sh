# Shared set-up of the example scripts (sourced, not run). Each script runs as is against a
# throw-away database: $PORTALADMIN_DB from mktemp, removed on exit. To run one against your
# own database, set PORTALADMIN_DB (and PORTALADMIN_DISTRICT) before calling it.
set -euo pipefail
EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The binary: $PORTALADMIN, else portaladmin on the PATH ('command' skips this function).
portaladmin() { command "${PORTALADMIN:-portaladmin}" "$@"; }
if [ -z "${PORTALADMIN_DB:-}" ]; then
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/portaladmin-example-XXXXXX")
    trap 'rm -rf "$SCRATCH"' EXIT
    export PORTALADMIN_DB=$SCRATCH/portal.db
else
    SCRATCH=$(dirname "$PORTALADMIN_DB")
fi
export PORTALADMIN_DISTRICT=${PORTALADMIN_DISTRICT:-lakeview}
export PORTALADMIN_OPERATOR=${PORTALADMIN_OPERATOR:-registrar}
# What the script does, step by step, on standard error.
step() { printf '\n== %s\n' "$*" >&2; }

# The Lakeview district with its roster and the agreements signed in August, unless the
# database already has it (the other scripts start from where start-of-year.sh ends).
lakeview() {
    if portaladmin district show "$PORTALADMIN_DISTRICT" -q >/dev/null 2>&1; then return; fi
    portaladmin district create "$PORTALADMIN_DISTRICT" --name "Lakeview Public Schools" -q >/dev/null
    portaladmin district set portal_url=https://portal.lakeview.example.org -q >/dev/null
    portaladmin roster import "$EXAMPLES/lakeview" --yes -q >/dev/null
    portaladmin aup sign --file "$EXAMPLES/lakeview/signed-forms.csv" -q >/dev/null
}

# The activation key of a fresh key for guardian $1 (from the JSON; keys never go in argv).
new_key() {
    portaladmin key issue --guardian "$1" -o jsonl --yes | sed -n 's/.*"key":"\([^"]*\)".*/\1/p'
}
