#!/usr/bin/env bash
# The help desk with a parent on the phone (seed 003): find the parent, check the key she
# read out, explain why she cannot see her second child, look at the household; then a
# locked-out father is unlocked and another parent gets a new key.
source "$(dirname "$0")/lib.sh"
lakeview

step "'I am Kathryn Nunez and I cannot see my son Luis': who is she?"
portaladmin guardian find kathryn nunez
portaladmin student find luis nunez

step "the key she reads out (keys go on standard input, never on the command line)"
key=$(new_key G-2002)
printf '%s\n' "$key" | portaladmin key check

step "why she cannot see Luis: every rule, the one that decided, and the fix"
portaladmin access explain --guardian G-2002 || true
portaladmin household show H-101

step "José activates his account, then forgets his password and is locked out"
key=$(new_key G-2001)
printf '%s\n%s\n' "$key" "quiet harbour morning tea" | portaladmin portal activate --username jose.nunez
for _ in 1 2 3 4 5; do
    printf 'wrong password\n' | portaladmin portal login --username jose.nunez -q 2>/dev/null || true
done
portaladmin account show jose.nunez
portaladmin account unlock jose.nunez
printf 'quiet harbour morning tea\n' | portaladmin portal login --username jose.nunez

step "a parent who lost everything: a new key replaces the login"
portaladmin account reset jose.nunez --new-key --reason "parent lost the password and the e-mail" --yes
