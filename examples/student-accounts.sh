#!/usr/bin/env bash
# Students' own portal accounts: keys for the students from grade 6 up (their letters addressed
# to them), a student activating, discipline notes shown to parents and hidden from students,
# an account the school makes itself, and accounts that follow enrolment (disabled when a
# student leaves, enabled again when they come back).
source "$(dirname "$0")/lib.sh"
lakeview

step "keys for every enrolled student from grade 6 up, with letters addressed to the students"
portaladmin key issue --all-students-without-account --grade-min 6 \
    --letters "$SCRATCH/student-letters.csv" --yes >/dev/null
echo "student letters: $(($(wc -l <"$SCRATCH/student-letters.csv") - 1)) in $SCRATCH/student-letters.csv" >&2

step "Pa activates her own account (a new key replaces the one in her letter; keys and passwords on standard input)"
key=$(portaladmin key issue --student-account S-3003 -o jsonl --yes | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
printf '%s\n%s\n' "$key" "bright lantern river stone" | portaladmin portal activate --username pa.vang
portaladmin account list --holder student

step "discipline notes are for parents: hidden from students, still shown to their guardians"
portaladmin feature disable discipline --audience students --reason "discipline notes are for parents"
portaladmin access explain --username pa.vang
portaladmin access explain --guardian G-2004 --student S-3003 || true

step "the school makes Luis's account itself: a temporary password, changed at the first login"
portaladmin account create --student-account S-3002 --username-pattern '{given}.{family}' \
    --letters "$SCRATCH/student-accounts.csv" --yes
echo "temporary passwords in $SCRATCH/student-accounts.csv (mode 0600)" >&2

step "Pa leaves the district: her account is disabled with her enrolment"
header=$(head -1 "$EXAMPLES/lakeview/students.csv")
line=$(grep '^S-3003,' "$EXAMPLES/lakeview/students.csv")
printf '%s\n%s\n' "$header" "${line%,active},inactive" | portaladmin roster import - --delta
printf 'bright lantern river stone\n' | portaladmin portal login --username pa.vang || true

step "she comes back in January: enrolled again, her account with her"
printf '%s\n%s\n' "$header" "$line" | portaladmin roster import - --delta
printf 'bright lantern river stone\n' | portaladmin portal login --username pa.vang
