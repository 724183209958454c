#!/bin/bash
# Nothing is left out in silence (issue #30 §4): a table whose data moves
# without a target table and a source column without a sheet row are findings
# (the run is not clean); an undecided table without a target is listed as not
# validated; a run that cannot start records nothing; a run that failed midway
# is never the baseline. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-silence.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

sqlite3 src.db "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
    INSERT INTO users VALUES (1, 'a@x.io', 'Ann'), (2, 'b@x.io', 'Bob');
    CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC); INSERT INTO orders VALUES (1, 5), (2, 7), (3, 9);
    CREATE TABLE scratch (id INTEGER PRIMARY KEY); INSERT INTO scratch VALUES (1);" || exit 99
sqlite3 tgt.db "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
    INSERT INTO users VALUES (1, 'a@x.io', 'Ann'), (2, 'b@x.io', 'Bob');" || exit 99
"$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
check "undecided tables without a target: listed as not validated, the run clean (exit 0)" \
    "0 orders:not_validated:3:null scratch:not_validated:1:null users:pass:2:2 2" \
    "$rc $(jq -r 'select(.type == "summary") | (.tables | map("\(.table):\(.status):\(.source_rows):\(.target_rows)")
        | join(" ")) + " \(.not_validated)"' run.ndjson)"

sed -i '/^\[table orders\]/,/^decision/ s/^decision *= *undecided/decision = migrate/' cutover.ini
grep -A3 '^\[table orders\]' cutover.ini | grep -q '^decision = migrate' || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
check "a table decided migrate without a target table: a finding, exit 1" \
    '1 {"type":"discrepancy","table":"orders","target_table":"orders","kind":"no_target","key":{}}' \
    "$rc $(jq -c 'select(.type == "discrepancy")' run.ndjson)"
check "… the table fails with its finding; the run is not clean" "fail 1 fail 1" \
    "$(jq -r 'select(.type == "summary") | "\(.status) \(.findings) \(.tables[0].status) \(.tables[0].findings)"' run.ndjson)"
"$bin" map lint >lint.txt
rc=$?
check "… lint: an error naming the table, exit 1" \
    "1 error   no_target_table: orders is decided migrate, but the target has no table orders" \
    "$rc $(grep no_target lint.txt)"
sed -i '/^\[table orders\]/,/^decision/ s/^decision = migrate/decision = delete/' cutover.ini

# a source column with no row in the sheet: its changes would pass unseen
sqlite3 tgt.db "UPDATE users SET name = 'Robert' WHERE id = 2" || exit 99
sed -i '/^users\.name,/d' mapping.csv
"$bin" diff --ndjson >run.ndjson
rc=$?
check "a source column without a sheet row: a finding naming it, exit 1" \
    '1 {"type":"discrepancy","table":"users","target_table":"users","kind":"unmapped","key":{"column":"name"}}' \
    "$rc $(jq -c 'select(.type == "discrepancy")' run.ndjson)"
"$bin" diff >run.txt
check "… the text output counts it" "0 missing, 0 extra, 0 changed, 1 table finding, 1 not validated" \
    "$(grep '^0 missing' run.txt)"
"$bin" map lint --json >lint.json
check "… lint: unmapped_source, an error" "error users.name is not mapped" \
    "$(jq -r '.findings[] | select(.code == "unmapped_source") | "\(.severity) \(.message)"' lint.json)"
echo "users.name,users.name,,,,draft,,," >>mapping.csv
"$bin" diff --ndjson >run.ndjson
check "… mapped again: its change is found" '1 [{"source":"name","target":"name","source_value":"Bob","target_value":"Robert"}]' \
    "$? $(jq -c 'select(.type == "discrepancy") | .fields' run.ndjson)"

# names a plan or a sheet cannot hold: init leaves them out, says which, and writes a
# plan it reads back; lint and diff name the tables then (never a silent pass)
mkdir names && cd names || exit 99
sqlite3 n.db 'CREATE TABLE "dot.ted" (id INTEGER PRIMARY KEY, "c.d" TEXT); INSERT INTO "dot.ted" VALUES (1, "a");
    CREATE TABLE "br]x" (id INTEGER PRIMARY KEY); CREATE TABLE "sp ;c" (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE ok (id INTEGER PRIMARY KEY, "w.x" TEXT);' || exit 99
"$bin" init --source sqlite:n.db --target sqlite:n.db >init.txt 2>&1
check "init: exit 0, every name it leaves out said (tables of both sides, a column)" \
    "0 8 ok" "$? $(grep -c 'cutover init: warning: the .* is left out' init.txt) $(
    grep -q "the source column ok.\"w.x\" is left out of the sheet: its name cannot be written there ('.' would split the sheet's table.column)" init.txt && echo ok)"
"$bin" inventory >/dev/null
check "… and the plan it wrote reads back" 0 $?
"$bin" diff >run.txt 2>&1
check "diff: the tables it cannot compare are errors naming them (exit 2)" \
    "2 3 1" "$? $(grep -c -E '^(br\]x|dot\.ted|sp ;c) .*error: table .*: the key column id is not mapped' run.txt) $(
    grep -c '^ok .*fail' run.txt)"
cd ..

# a run that cannot start records nothing
runs=$("$bin" runs --json | jq length)
"$bin" diff --table Nope >/dev/null 2>err.txt
rc=$?
check "--table naming no table: exit 2, said, and no run recorded" \
    "2 cutover: --table Nope: no such table in the source $runs" "$rc $(cat err.txt) $("$bin" runs --json | jq length)"

# a run that failed midway is never the baseline
createdb fa && createdb fb || exit 99
for db in fa fb; do
    psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE TABLE a (id int PRIMARY KEY, v text)" \
        -c "CREATE TABLE b (id int PRIMARY KEY, v text)" \
        -c "INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 5) g" \
        -c "INSERT INTO b SELECT g, 'v' || g FROM generate_series(1, 5) g" || exit 99
done
psql -X -q -d fb -c "UPDATE a SET v = 'x' WHERE id IN (1, 2); UPDATE b SET v = 'x' WHERE id IN (3, 4, 5)" || exit 99
mkdir failed && cd failed || exit 99
"$bin" init --source dbname=fa --target dbname=fb >/dev/null || exit 99
"$bin" diff --json >run1.json
check "run 1: 5 changed rows" "1 5" "$? $(jq .changed run1.json)"
# b's read ends its own connection midway: the run fails there
sed -i 's/^b\.v,b\.v,,/b.v,b.v,"CASE WHEN id = 2 THEN pg_terminate_backend(pg_backend_pid())::text ELSE v END",/' mapping.csv
grep -q '^b\.v,b\.v,"CASE' mapping.csv || exit 99
"$bin" diff --json >run2.json 2>/dev/null
check "run 2 fails midway (exit 3), recorded failed" "3 failed" "$? $("$bin" runs --json | jq -r '.[1].status')"
sed -i 's/^b\.v,b\.v,"CASE[^"]*",/b.v,b.v,,/' mapping.csv
"$bin" diff --json >run3.json
check "run 3 is compared with run 1, not the failed run: nothing new, nothing fixed, 5 still open" \
    '1 {"run":1,"new":0,"fixed":0,"still_open":5}' "$? $(jq -c '.previous | del(.duration_ms)' run3.json)"
"$bin" diff --table a --json >run4.json
check "a --table run is compared with the same table of its predecessor only" \
    '1 {"run":3,"new":0,"fixed":0,"still_open":2}' "$? $(jq -c '.previous | del(.duration_ms)' run4.json)"
cd ..

finish
