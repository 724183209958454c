#!/bin/bash
# What the plan and the sheet ask of cutover diff: the plan's where (only the
# source rows it keeps are compared), validation rules judging the target's
# values (not_null, regex, unique; the expected keys from psql), and queries a
# database refuses (a cancelled table, a transform dividing by zero, a failing
# check) naming the user's where, transform or check. Run by tests/harness.sh
# (PostgreSQL with Chinook loaded).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
sqlite_chinook=${CUTOVER_CHINOOK_SQLITE:-}
if [ -z "$sqlite_chinook" ] || [ -z "${PGHOST:-}" ]; then echo "no Chinook or no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-rules.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- the plan's `where`: only the source rows it keeps are compared --------------------
sqlite3 kept.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, deleted_at TEXT);
    INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', '2026-01-01'), (3, 'c', NULL), (4, 'd', '2026-01-02')"
sqlite3 kept2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, deleted_at TEXT);
    INSERT INTO t VALUES (1, 'a', NULL), (3, 'c', NULL)"
mkdir kept && cd kept
"$bin" init --source sqlite:../kept.db --target sqlite:../kept2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "without a where: the rows deleted in the Pilot are missing" "t missing id=2|t missing id=4|" \
    "$(lines run.ndjson | tr '\n' '|')"
sed -i '/^\[table t\]/a where    = deleted_at IS NULL' cutover.ini
"$bin" diff --ndjson >run.ndjson
rc=$?
check "with where = deleted_at IS NULL: clean, exit 0" "0 0" "$rc $(lines run.ndjson | wc -l)"
sqlite3 ../kept2.db "INSERT INTO t VALUES (2, 'b', '2026-01-01')"
"$bin" diff --ndjson >run.ndjson
check "… and a row the where leaves out, found in the target, is extra" "t extra id=2" \
    "$(lines run.ndjson)"
cd ..

# --- validation rules judge the target's values: not_null and regex each row,
# unique the whole column (one query); the expected keys come from psql. A copy of
# Chinook's customers with one email broken, one company emptied.
createdb rules && pg_dump -d chinook -t customer | psql -X -q -d rules >/dev/null 2>&1 || exit 99
psql -X -q -d rules -c "UPDATE customer SET email = 'no-at-sign' WHERE customer_id = 7" \
    -c "UPDATE customer SET company = NULL WHERE customer_id = 1"
mkdir rules && cd rules
"$bin" init --source "sqlite:$sqlite_chinook" --target dbname=rules >/dev/null || exit 99
sed -i -e 's/^\(Customer\.Email,customer\.email,,,\),/\1"regex:^[^@ ]+@[^@ ]+\\.[a-z]+$",/' \
    -e 's/^\(Customer\.Company,customer\.company,,,\),/\1not_null,/' \
    -e 's/^\(Customer\.Country,customer\.country,,,\),/\1unique,/' mapping.csv
"$bin" diff --table Customer --ndjson >run.ndjson
rc=$?
{ psql -X -At -d rules -c "SELECT 'invalid ' || customer_id || ' ' || concat_ws(',',
        CASE WHEN company IS NULL THEN 'company:not_null' END,
        CASE WHEN email !~ '^[^@ ]+@[^@ ]+\.[a-z]+$' THEN 'email:regex' END) FROM customer
      WHERE company IS NULL OR email !~ '^[^@ ]+@[^@ ]+\.[a-z]+$'
    UNION ALL SELECT 'not_unique ' || customer_id || ' country:unique' FROM customer
      WHERE country IN (SELECT country FROM customer GROUP BY 1 HAVING count(*) > 1)"
  # and what differs from the source: the two rows changed, Edinburgh's trailing space
  printf '%s\n' "changed 1 company:" "changed 7 email:" "changed 54 city:"; } | sort >expected.txt
jq -r 'select(.type == "discrepancy") | "\(.kind) \(.key.CustomerId) \([.fields[] | "\(.target):\(.rule // "" | sub(":.*"; ""))"] | join(","))"' \
    run.ndjson | sort >actual.txt
same "rules: exactly the rows each rule refuses, by key, with the rules named" expected.txt actual.txt
invalid=$(grep -c '^invalid\|^not_unique' expected.txt)
check "… counted as invalid, failing the table (exit 1)" "1 fail $invalid 3" \
    "$rc $(jq -r 'select(.type == "summary") | "\(.tables[0].status) \(.invalid) \(.changed)"' run.ndjson)"
check "… a refused value shown with its rule, the source's value not given" \
    '{"source":"Email","target":"email","target_value":"no-at-sign","rule":"regex:^[^@ ]+@[^@ ]+\\.[a-z]+$"}' \
    "$(jq -c 'select(.kind == "invalid" and .key.CustomerId == 7) | .fields[] | select(.target == "email")' run.ndjson)"
"$bin" diff --table Customer --sample 0 >run.txt
check "… and in the text form" "Customer customer 59 59 0 0 3 fail ($invalid invalid)" \
    "$(grep '^Customer  *customer ' run.txt | tr -s ' ')"
check "… the NULL company also moves the column's NULL share: a structural finding" \
    "Customer → customer  null_rate  customer.company is NULL in 84.75% of the rows, Customer.Company in 83.05% (50 of 59): more than 0.1 percentage points apart" \
    "$(grep '  null_rate  ' run.txt)"
check "… and beside the table's result in the workspace (the dashboard shows it)" "fail|$invalid invalid" \
    "$(sqlite3 .cutover/state.db "SELECT status, detail FROM results WHERE run_id = 2 AND object = 'Customer'")"
cd ..

# --- a PostgreSQL side whose query fails or is cancelled keeps its snapshot for the tables
# and checks after it (each behind a savepoint): a's keys are text in two forms, so its
# source breaks key order mid-read and is cancelled; b's transform divides by zero; c, and
# the check after the one that fails, still compare. Errors name what of the user's is in
# the failed query: the plan's where and the sheet's transforms, a check's section.
for db in errsrc errtgt; do
    createdb $db
    psql -X -q -d $db -c "CREATE TABLE b (id int PRIMARY KEY, name text)" \
        -c "INSERT INTO b VALUES (1, 'x'), (2, 'yy')" \
        -c "CREATE TABLE c (id int PRIMARY KEY, name text)" -c "INSERT INTO c VALUES (1, 'x')"
done
psql -X -q -d errsrc -c "CREATE TABLE a (k text PRIMARY KEY, v text)" \
    -c "INSERT INTO a SELECT to_char(timestamp '2024-01-01' + g * interval '1 minute',
        'YYYY-MM-DD HH24:MI:SS'), 'v' FROM generate_series(1, 20000) g" \
    -c "UPDATE a SET k = '2024-01-01T00:01:00' WHERE k = '2024-01-01 00:01:00'"
psql -X -q -d errtgt -c "CREATE TABLE a (k timestamp PRIMARY KEY, v text)" \
    -c "INSERT INTO a SELECT timestamp '2024-01-01' + g * interval '1 minute', 'v'
        FROM generate_series(1, 20000) g"
mkdir errs && cd errs
"$bin" init --source dbname=errsrc --target dbname=errtgt >/dev/null || exit 99
sed -i 's/^b\.name,b\.name,,/b.name,b.name,(1 \/ (length(name) - 1))::text,/' mapping.csv
sed -i '/^\[table b\]/a where = id > 0' cutover.ini
printf '\n[check bad]\nsource = SELECT 1 / 0\ntarget = SELECT 1\n\n[check good]\nsource = SELECT count(*) FROM c\ntarget = SELECT count(*) FROM c\n' >>cutover.ini
"$bin" diff --json >run.json 2>run.err
check "a table and a check whose queries the database refused: exit 3, saying so" \
    "3 cutover: a database refused a table's or a check's query: its error is in the output" \
    "$? $(cat run.err)"
check "after a table cancelled and a table refused, the next table and check still run" \
    "a error|b error|c pass|check bad error|check good pass|" \
    "$(jq -r '(.tables[] | "\(.table) \(.status)"), (.checks[] | "check \(.name) \(.status)")' run.json | tr '\n' '|')"
check "… the cancelled one names the two keys out of order (one text form sorts before another)" \
    'source rows do not come in key order: {"k":"2024-01-01T00:01:00"} after {"k":"2024-01-01 23:59:00"}' \
    "$(jq -r '.tables[] | select(.table == "a") | .error' run.json | sed 's/ (key values.*//')"
check "… the refused table's error names its where and its transform" \
    "dbname=errsrc: ERROR:  division by zero (SQLSTATE 22012) (in the source's query for b: its where, cutover.ini:$(grep -n '^where = id > 0' cutover.ini | cut -d: -f1); its transform, mapping.csv line $(grep -n '^b\.name' mapping.csv | cut -d: -f1))" \
    "$(jq -r '.tables[] | select(.table == "b") | .error' run.json)"
check "… the check's error names its section" \
    "source query (cutover.ini:$(grep -n '^\[check bad\]' cutover.ini | cut -d: -f1)): dbname=errsrc: ERROR:  division by zero (SQLSTATE 22012)" \
    "$(jq -r '.checks[] | select(.name == "bad") | .error' run.json)"
"$bin" diff >run.txt
check "… and the text form shows it" "check bad                  source null, target 1: error: source query (cutover.ini:" \
    "$(grep -o '^check bad .*: error: source query (cutover.ini:' run.txt)"
check "… and its totals say why it fails with nothing missing, extra or changed" \
    "0 missing, 0 extra, 0 changed, 2 tables in error, 1 of 2 checks failed" \
    "$(grep '^0 missing' run.txt)"
check "runs: its tables in error and its checks failed, and it fails with nothing open" \
    "0 2 2 1 fail" \
    "$("$bin" runs --json | jq -r '.[-1] | "\(.open) \(.errors) \(.checks) \(.failed_checks) \(.result)"')"
cd ..

finish
