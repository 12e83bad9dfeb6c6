#!/usr/bin/env bash
# End of the school year: students who turned 18 (their guardians' access ends with the year,
# by the district's policy), and the summer window in which grades are hidden.
source "$(dirname "$0")/lib.sh"
lakeview

step "whose guardian access ends at the end of this school year"
portaladmin age18 scan --as-of 2027-06-01 --within 60

step "the first day after the school year: access ends, each change audited"
portaladmin age18 apply --as-of 2027-07-01 --dry-run --yes
portaladmin age18 apply --as-of 2027-07-01 --yes
portaladmin access explain --guardian G-2004 --student S-3003 --as-of 2027-07-01 || true

step "grades hidden over the summer while the report cards are finished"
portaladmin feature disable grades --from 2027-06-15 --until 2027-08-20 --reason "summer: grades are being finalised"
portaladmin feature list
