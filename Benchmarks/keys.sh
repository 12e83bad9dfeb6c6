#!/usr/bin/env bash
# Keys and account look-ups benchmark (not a test), on a generated district of N students
# (default 100000): `key issue --all-without-account`, and the whole-process time of
# `account show`, `key check` and `account reset` against the sqlite3 command-line tool running a
# single indexed select on the same file.
source "$(dirname "$0")/common.sh"
N=${1:-100000}
RUNS=${RUNS:-40}
district "$N" aup_required=false
t0=$(now)
"$BIN" key issue --all-without-account --yes -q -o tsv > "$WORK/keys.tsv"
t1=$(now)
keys=$(( $(wc -l < "$WORK/keys.tsv") - 1 ))
printf "key issue --all-without-account: %d keys in %.2f s (%.2f s per 100,000)\n\n" "$keys" "$(echo "$t1 - $t0" | bc -l)" "$(echo "($t1 - $t0) * 100000 / $keys" | bc -l)"
key=$(sed -n 2p "$WORK/keys.tsv" | cut -f5)
guardian=$(sed -n 2p "$WORK/keys.tsv" | cut -f2)
printf '%s\ncorrect horse battery staple\n' "$key" | "$BIN" portal activate --username bench.parent -q >/dev/null
key2=$(sed -n 3p "$WORK/keys.tsv" | cut -f5)
base=$(avg sqlite3 "$PORTALADMIN_DB" "SELECT username, status, failed_count FROM accounts WHERE district_id = 'bench' AND username = 'bench.parent'")
show=$(avg "$BIN" account show bench.parent)
echo "$key2" > "$WORK/key.txt"
base_sh=$(avg sh -c "sqlite3 '$PORTALADMIN_DB' \"SELECT status FROM activation_keys WHERE district_id = 'bench' AND key_hash = 'x'\" < '$WORK/key.txt'")
check=$(avg sh -c "'$BIN' key check < '$WORK/key.txt'")
RUNS=5 reset=$(avg "$BIN" account reset bench.parent)
printf "| command | whole process | vs sqlite3 select |\n|---|---:|---:|\n"
printf "| sqlite3 indexed select | %.1f ms | 1.0x |\n" "$(echo "$base * 1000" | bc -l)"
printf "| account show | %.1f ms | %.1fx |\n" "$(echo "$show * 1000" | bc -l)" "$(echo "$show / $base" | bc -l)"
printf "| sqlite3 indexed select, started by sh | %.1f ms | 1.0x |\n" "$(echo "$base_sh * 1000" | bc -l)"
printf "| key check, started by sh (key on stdin) | %.1f ms | %.1fx |\n" "$(echo "$check * 1000" | bc -l)" "$(echo "$check / $base_sh" | bc -l)"
printf "| account reset (scrypt N=2^17 by design) | %.1f ms | %.1fx |\n" "$(echo "$reset * 1000" | bc -l)" "$(echo "$reset / $base" | bc -l)"
