#!/bin/bash
# Review in bulk from the command line, on the demo (SQLite): map approve and
# reject by table, by line and all, each row written and audited as the
# Mapping panel does; discrepancies classify, assign and decide by table,
# kind, field and key, each audited and carried to the next run; and the
# usage errors, exit 2 with what to do.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-review.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
"$bin" demo demo </dev/null >/dev/null 2>&1 || exit 99
cd demo || exit 99
audit() { sqlite3 .cutover/state.db "SELECT action || '|' || object || '|' || coalesce(old_value, '') || '|' || new_value FROM audit WHERE id > $1 ORDER BY id"; }
last_audit() {
    if [ -e .cutover/state.db ]; then sqlite3 .cutover/state.db "SELECT coalesce(max(id), 0) FROM audit"
    else echo 0; fi
}
# sheet_col [LINE]: the sheet's status, reviewer and note columns (of LINE, or a count of each status)
sheet_col() { python3 -c 'import csv, sys
rows = list(csv.reader(open("mapping.csv", newline="")))[1:]
if len(sys.argv) > 1: r = rows[int(sys.argv[1]) - 2]; print(r[5] + "," + r[6] + "," + r[8])
else: print(sum(1 for r in rows if r and r[5] != "approved"))' "$@"; }

# --- map approve | reject ---------------------------------------------------------------
a=$(last_audit)
check "map approve --table: every row of the table, said a line each" \
"mapping.csv:2: accounts.id -> accounts.account_id: approved
mapping.csv:3: accounts.name -> accounts.name: approved
mapping.csv:4: accounts.plan -> accounts.plan: approved
mapping.csv:5: accounts.country -> accounts.country: approved
mapping.csv:6: accounts.created -> accounts.created_at: approved
5 of 5 rows approved, each in the audit log|0" \
    "$("$bin" map approve --table accounts --note "checked with Alice")|$?"
check "… written to the sheet: status, reviewer, the note" \
    "approved,$(id -un),checked with Alice" \
    "$(sheet_col 5)"
check "… one audit entry a row, old and new status" \
"approve|mapping accounts.id -> accounts.account_id|approved|approved: checked with Alice
approve|mapping accounts.name -> accounts.name|approved|approved: checked with Alice
approve|mapping accounts.plan -> accounts.plan|approved|approved: checked with Alice
approve|mapping accounts.country -> accounts.country|draft|approved: checked with Alice
approve|mapping accounts.created -> accounts.created_at|draft|approved: checked with Alice" \
    "$(audit "$a")"
a=$(last_audit)
check "map reject --row: the row on that line of the sheet" \
"mapping.csv:4: accounts.plan -> accounts.plan: rejected
1 of 1 rows rejected, each in the audit log|0" \
    "$("$bin" map reject --row 4 --note "PRO and pro differ")|$?"
check "… audited with its note" "reject|mapping accounts.plan -> accounts.plan|approved|rejected: PRO and pro differ" \
    "$(audit "$a")"
cp mapping.csv before.csv
check "map reject without --note: refused, nothing written" \
"cutover map: reject: --note is needed: why the rows are rejected
(see 'cutover map --help')|2|same" \
    "$("$bin" map reject --all 2>&1)|$?|$(cmp -s before.csv mapping.csv && echo same)"
check "map approve without rows: which ones" \
"cutover map: approve: which rows? --table T, --row N or --all
(see 'cutover map --help')|2" "$("$bin" map approve 2>&1)|$?"
check "map approve --table of no row: named, nothing written" \
    "cutover: mapping.csv: no row maps a column of table 'nope'|2|same" \
    "$("$bin" map approve --table nope --table accounts 2>&1)|$?|$(cmp -s before.csv mapping.csv && echo same)"
check "map approve --row of the header: not a row" "cutover: mapping.csv:1: not a mapping row|2" \
    "$("$bin" map approve --row 1 2>&1)|$?"
check "map approve --row 0: not a line" \
"cutover map: --row '0': a line of the sheet (as map lint names them), a number from 2
(see 'cutover map --help')|2" "$("$bin" map approve --row 0 2>&1)|$?"
check "map lint --all: the bulk options are for approve and reject" \
"cutover map: lint: --table, --row, --all and --note are for approve and reject
(see 'cutover map --help')|2" "$("$bin" map lint --all 2>&1)|$?"
n=$(python3 -c 'import csv; print(sum(1 for r in csv.reader(open("mapping.csv", newline="")) if r))')
check "map approve --all: every row" "$((n - 1)) of $((n - 1)) rows approved, each in the audit log" \
    "$("$bin" map approve --all | tail -1)"
check "… and the sheet says so: no row left unapproved" "0" "$(sheet_col)"

# lint names rows nobody owns: one warning a table, at its first such row
python3 -c 'import csv
rows = list(csv.reader(open("mapping.csv", newline="")))
for r in rows[1:]:
    if r and r[0].startswith("users."): r[3] = ""
csv.writer(open("mapping.csv", "w", newline="")).writerows(rows)'
"$bin" map lint --json >lint.json
check "map lint: the users rows without an owner, one warning for the table" \
    "1|warning no_owner line 7 count 7: 7 rows of users have no owner: nobody answers for their mapping" \
    "$(jq -r '[.findings[] | select(.code == "no_owner")] | length as $n | .[0] | "\($n)|\(.severity) \(.code) line \(.line) count \(.count): \(.message)"' lint.json)"

# rows made again by map suggest take their table's owner from cutover.ini ([table users]
# alice): in a copy, the sheet's users rows removed (suggest pairs the 4 with the same name)
cp -r . ../owners && cd ../owners || exit 99
python3 -c 'import csv
rows = [r for r in csv.reader(open("mapping.csv", newline="")) if not (r and r[0].startswith("users."))]
csv.writer(open("mapping.csv", "w", newline="")).writerows(rows)'
"$bin" map suggest >/dev/null
check "map suggest: the table's owner from cutover.ini in each new row" "4 alice" \
    "$(python3 -c 'import csv
rows = [r for r in csv.reader(open("mapping.csv", newline="")) if r and r[0].startswith("users.")]
print(len(rows), " ".join(sorted({r[3] for r in rows})))')"
"$bin" map lint --json >lint.json
check "… and lint finds no row without an owner" "0" \
    "$(jq '[.findings[] | select(.code == "no_owner")] | length' lint.json)"
cd ../demo || exit 99

# --- discrepancies classify | assign | decide ------------------------------------------
check "discrepancies before any run: said" \
    "cutover: no run is recorded yet: 'cutover diff' makes one|2" \
    "$("$bin" discrepancies assign dana --all 2>&1)|$?"
"$bin" diff >/dev/null
a=$(last_audit)
check "classify --table --field: the 36 e-mail discrepancies at once (35 rows, the NULL share)" \
    "36 of 36 discrepancies of run 1 changed, each in the audit log|0" \
    "$("$bin" discrepancies classify accepted_variance --table users --field email | tail -1)|$?"
check "… each with its own audit entry" "35 1" \
    "$(audit "$a" | grep -c '^discrepancy|discrepancy users changed id=[0-9]* (run 1)||class accepted_variance$') $(
       audit "$a" | grep -c '^discrepancy|discrepancy users null_rate column="email" (run 1)||class accepted_variance$')"
check "assign --kind --table" \
"accounts missing id=17: owner dana
accounts missing id=101: owner dana
2 of 2 discrepancies of run 1 changed, each in the audit log" \
    "$("$bin" discrepancies assign dana --kind missing --table accounts)"
check "decide --key: one, by its key as diff prints it" \
"accounts missing id=17: note reload after the fix
1 of 1 discrepancies of run 1 changed, each in the audit log" \
    "$("$bin" discrepancies decide "reload after the fix" --table accounts --key id=17)"
check "… in the workspace" "accounts|missing|{\"id\":17}||dana|reload after the fix" \
    "$(sqlite3 .cutover/state.db "SELECT tbl, kind, key_json, class, owner, decision FROM discrepancies WHERE run_id = 1 AND key_json = '{\"id\":17}' AND tbl = 'accounts'")"
check "a selection that matches none: said, exit 0" \
    "0 of 0 discrepancies of run 1 changed|0" \
    "$("$bin" discrepancies assign erin --table accounts --kind extra)|$?"
check "the next run carries them: the variances accepted, the owner kept" \
    "(36 accepted variances)|dana" \
    "$("$bin" diff | grep -o '(36 accepted variances)')|$(sqlite3 .cutover/state.db "SELECT owner FROM discrepancies WHERE run_id = 2 AND tbl = 'accounts' AND key_json = '{\"id\":101}'")"
check "--run: an earlier run's" "accounts missing id=101: owner erin
1 of 1 discrepancies of run 1 changed, each in the audit log" \
    "$("$bin" discrepancies assign erin --run 1 --table accounts --key id=101)"
check "classify: not a class" \
"cutover discrepancies: class 'bogus': expected mapping_defect, transformation_bug, source_data_problem, sync_lag, test_harness_error or accepted_variance
(see 'cutover discrepancies --help')|2" "$("$bin" discrepancies classify bogus --all 2>&1)|$?"
check "assign without a selection: which ones" \
"cutover discrepancies: assign: which ones? --table T, --kind K, --field F, --key K or --all
(see 'cutover discrepancies --help')|2" "$("$bin" discrepancies assign dana 2>&1)|$?"
check "decide without its note" "cutover discrepancies: decide: expected one NOTE
(see 'cutover discrepancies --help')|2" "$("$bin" discrepancies decide --all 2>&1)|$?"
check "an unknown verb" \
"cutover discrepancies: 'close': expected classify CLASS, assign OWNER or decide NOTE
(see 'cutover discrepancies --help')|2" "$("$bin" discrepancies close --all 2>&1)|$?"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
