#!/usr/bin/env bash
# Start of the school year: create the district, import the roster (a dry run first), record
# the stack of signed acceptable-use forms, and issue activation keys with mail-merge letters
# to every guardian who may use the portal and has no account yet.
source "$(dirname "$0")/lib.sh"

step "the district"
portaladmin district create "$PORTALADMIN_DISTRICT" --name "Lakeview Public Schools"
portaladmin district set portal_url=https://portal.lakeview.example.org lockout_threshold=5

step "the roster: a dry run first (nothing is written), then the import with a results file"
portaladmin roster import "$EXAMPLES/lakeview" --dry-run
portaladmin roster import "$EXAMPLES/lakeview" --yes --results "$SCRATCH/import-results.csv"
portaladmin roster stats

step "the signed acceptable-use forms of August, in one command"
portaladmin aup sign --file "$EXAMPLES/lakeview/signed-forms.csv" --results "$SCRATCH/aup-results.csv"
portaladmin aup status --missing

step "activation keys for everyone who may have one, with letters to print (mode 0600)"
portaladmin key issue --all-without-account --letters "$SCRATCH/letters.csv" --yes >/dev/null
portaladmin key list
echo "letters: $(($(wc -l <"$SCRATCH/letters.csv") - 1)) in $SCRATCH/letters.csv" >&2
