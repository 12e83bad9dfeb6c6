#!/usr/bin/env bash
# Duplicate records (seed 003): review the likely pairs, preview a merge, merge, check that the
# mother now sees both children, and undo the merge.
source "$(dirname "$0")/lib.sh"
lakeview

step "pairs of guardian and household records that are probably the same"
portaladmin guardian duplicates
portaladmin household duplicates

step "the merge, previewed (nothing is written), then made"
portaladmin guardian merge G-2002 G-2003 --dry-run --yes
portaladmin guardian merge G-2002 G-2003 --yes
portaladmin guardian show G-2002

step "the mother's access now: both children"
key=$(new_key G-2002)
printf '%s\n' "$key" | portaladmin key check

step "every merge can be undone"
portaladmin merge list
id=$(portaladmin merge list -o tsv | awk -F'\t' 'NR == 2 { print $1 }')
portaladmin merge show "$id"
portaladmin merge undo "$id" --yes
portaladmin guardian show G-2003
