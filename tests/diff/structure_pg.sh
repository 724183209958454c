#!/bin/bash
# The structural checks of a rehearsal (DESIGN.md, "Structural checks") on a
# SQLite and a PostgreSQL target holding the same planted defects, each found
# with its count and sample and nothing else: 3 lines behind an invoice the
# plan's where leaves out (orphan), a lost foreign key (fk_missing), a lost
# unique key with 2 duplicate groups behind it (unique_missing, duplicate), a
# transform that NULLs 5 % of a column (null_rate), a lost NOT NULL, an index
# the plan expects (index_missing), 2 lines of another tenant than their
# invoice (tenant_leak). Then: --structure-only, a check over its time limit
# reported as not run, the findings recorded, classified and compared run
# against run, the text output. Run by tests/harness.sh (PostgreSQL).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-structure.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# The Pilot: 2 tenants, 100 customers (two pairs of e-mails that differ only
# in case), 40 invoices of 3 lines; lines 50 and 51 carry the other tenant.
sqlite3 src.db "
    CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO tenants VALUES (1, 'north'), (2, 'south');
    CREATE TABLE customers (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id),
        email TEXT NOT NULL UNIQUE, region TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
    INSERT INTO customers SELECT i, 1 + i % 2, 'user' || i || '@example.com', 'r' || (i % 4) FROM n;
    UPDATE customers SET email = 'dup1@example.com' WHERE id = 10;
    UPDATE customers SET email = 'DUP1@example.com' WHERE id = 12;
    UPDATE customers SET email = 'dup2@example.com' WHERE id = 30;
    UPDATE customers SET email = 'Dup2@Example.com' WHERE id = 32;
    CREATE TABLE invoices (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
        customer_id INTEGER NOT NULL REFERENCES customers(id), number TEXT NOT NULL,
        UNIQUE (tenant_id, number));
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
    INSERT INTO invoices SELECT i, 1 + (1 + (i * 7) % 100) % 2, 1 + (i * 7) % 100, 'INV-' || i FROM n;
    CREATE TABLE lines (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
        invoice_id INTEGER NOT NULL REFERENCES invoices(id), amount INTEGER);
    CREATE INDEX lines_by_invoice ON lines(invoice_id);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
    INSERT INTO lines SELECT i, (SELECT tenant_id FROM invoices WHERE id = 1 + (i - 1) / 3),
        1 + (i - 1) / 3, 10 * i FROM n;
    UPDATE lines SET tenant_id = 3 - tenant_id WHERE id IN (50, 51)" || exit 99

# Production as the copy made it: invoices lost its foreign key to customers and
# the NOT NULL of number, customers the unique e-mail (lower() made two pairs
# one), lines the index; region NULLed in every 20th customer; invoice 7 left
# out (the plan's where), its 3 lines copied.
schema="CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE customers (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id),
        email TEXT NOT NULL, region TEXT);
    CREATE TABLE invoices (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
        customer_id INTEGER NOT NULL, number TEXT, UNIQUE (tenant_id, number));
    CREATE TABLE lines (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
        invoice_id INTEGER NOT NULL LINES_FK, amount INTEGER);"
sqlite3 tgt.db "${schema/LINES_FK/REFERENCES invoices(id)}
    ATTACH 'src.db' AS pilot;
    INSERT INTO tenants SELECT * FROM pilot.tenants;
    INSERT INTO customers SELECT id, tenant_id, lower(email),
        CASE WHEN id % 20 = 0 THEN NULL ELSE region END FROM pilot.customers;
    INSERT INTO invoices SELECT * FROM pilot.invoices WHERE id <> 7;
    INSERT INTO lines SELECT * FROM pilot.lines" || exit 99
createdb structure || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d structure -c "${schema/LINES_FK/}" >/dev/null || exit 99
for t in tenants customers invoices lines; do
    sqlite3 -csv tgt.db "SELECT * FROM $t" |
        psql -X -q -v ON_ERROR_STOP=1 -d structure -c "\\copy $t FROM STDIN (FORMAT csv)" || exit 99
done
# the lines' foreign key as the SQLite copy has it, over rows that break it
psql -X -q -d structure -c "ALTER TABLE lines ADD FOREIGN KEY (invoice_id) REFERENCES invoices NOT VALID" ||
    exit 99

plan() {  # plan DIR TARGET-URL: the plan and sheet of the pair
    mkdir "$1" || exit 99
    cat >"$1/cutover.ini" <<EOF
[migration]
name = structure
tenant = tenant_id
[source]
url = sqlite:../src.db
[target]
url = $2
[table tenants]
decision = migrate
[table customers]
decision = migrate
[table invoices]
decision = migrate
where = id <> 7
[table lines]
decision = migrate
expect_index = invoice_id
EOF
    cat >"$1/mapping.csv" <<'EOF'
source,target,transform,owner,rule,status
tenants.id,tenants.id,,ann,,approved
tenants.name,tenants.name,,ann,,approved
customers.id,customers.id,,ann,,approved
customers.tenant_id,customers.tenant_id,,ann,,approved
customers.email,customers.email,lower(email),ann,,approved
customers.region,customers.region,CASE WHEN id % 20 = 0 THEN NULL ELSE region END,ann,,approved
invoices.id,invoices.id,,bob,,approved
invoices.tenant_id,invoices.tenant_id,,bob,,approved
invoices.customer_id,invoices.customer_id,,bob,,approved
invoices.number,invoices.number,,bob,,approved
lines.id,lines.id,,bob,,approved
lines.tenant_id,lines.tenant_id,,bob,,approved
lines.invoice_id,lines.invoice_id,,bob,,approved
lines.amount,lines.amount,,bob,,approved
EOF
}

# structural DIR: the run's structural findings a line each, sorted: check table
# columns count sample (the constraint's name aside: the engines name theirs apart)
structural() {
    jq -r 'select(.type == "structure") | [.check, .table, ((.columns // [.column]) | join(",")),
           (.count // "-" | tostring),
           ((.sample // []) | map(to_entries | map("\(.key)=\(.value)") | join(",")) | join(" "))]
           | join(" ")' "$1" | sed 's/ $//' | sort
}

cat >expected.txt <<'EOF'
duplicate customers email 2 email=dup1@example.com,rows=2 email=dup2@example.com,rows=2
fk_missing invoices customer_id -
index_missing lines invoice_id -
not_null_missing invoices number -
null_rate customers region 5
orphan lines invoice_id 3 id=19 id=20 id=21
tenant_leak lines invoice_id 2 id=50 id=51
unique_missing customers email -
EOF

for side in sqlite pg; do
    if [ $side = sqlite ]; then plan $side sqlite:../tgt.db; else plan $side dbname=structure; fi
    cd $side || exit 99
    "$bin" diff --ndjson >run.ndjson
    rc=$?
    structural run.ndjson >actual.txt
    same "$side: exactly the planted defects, each with its count and sample" ../expected.txt actual.txt
    check "$side: no row differs; the summary counts 8 structural findings; exit 1" \
        "1 fail 0 0 0 8 1" \
        "$rc $(jq -r 'select(.type == "summary") | "\(.status) \(.missing) \(.extra) \(.changed) \(.structure) \([.tables[] | select(.status == "pass")] | length)"' run.ndjson)"
    check "$side: tenants, the clean table, passes; the others fail on their findings" \
        "customers fail 3|invoices fail 2|lines fail 3|tenants pass 0|" \
        "$(jq -r 'select(.type == "summary") | .tables[] | "\(.table) \(.status) \(.structure // 0)"' run.ndjson | tr '\n' '|')"
    check "$side: the NULL shares, both sides, and the threshold" \
        '{"source_share":0,"target_share":0.05,"count":5,"source_nulls":0,"source_rows":100,"target_rows":100,"threshold":0.001}' \
        "$(jq -c 'select(.check == "null_rate") | {source_share, target_share, count, source_nulls, source_rows, target_rows, threshold}' run.ndjson)"
    check "$side: the lost foreign key named by its join in the source, with the orphan check through it" \
        'invoices(customer_id) -> customers(id)|references customers' \
        "$(jq -r 'select(.check == "fk_missing") | "\(.constraint)|references \(.references)"' run.ndjson)"
    check "$side: a duplicate's rows" "4" "$(jq -r 'select(.check == "duplicate") | .rows' run.ndjson)"
    cd ..
done
check "pg: the orphans named by the target's own foreign key" "lines_invoice_id_fkey invoices" \
    "$(jq -r 'select(.check == "orphan") | "\(.constraint) \(.references)"' pg/run.ndjson)"
check "pg: the tenant leak's message" \
    "2 rows of lines belong to another tenant (tenant_id) than the row of invoices they point at through (invoice_id): a privacy defect" \
    "$(jq -r 'select(.check == "tenant_leak") | .message' pg/run.ndjson)"

cd sqlite || exit 99
# --- the text output lists each finding after the rows, whatever --sample says
"$bin" diff --sample 0 >run.txt
check "text: the table line counts them" "lines lines 120 120 0 0 0 fail (3 structural findings)" \
    "$(grep '^lines  *lines ' run.txt | tr -s ' ')"
check "text: the totals" "0 missing, 0 extra, 0 changed, 8 structural findings" \
    "$(grep '^0 missing' run.txt)"
check "text: an orphan with its samples" \
    "lines  orphan  3 rows of lines point through (invoice_id) at no row of invoices; e.g. id=19, id=20, id=21" \
    "$(grep '  orphan  ' run.txt)"

# --- recorded as discrepancies: classified, carried, compared run against run
check "recorded in the workspace, a structural finding's detail with it" \
    "customers|null_rate|{\"column\":\"region\"}|5" \
    "$(sqlite3 .cutover/state.db "SELECT tbl, kind, key_json, json_extract(fields_json, '\$.count')
        FROM discrepancies WHERE run_id = 2 AND kind = 'null_rate'")"
"$bin" discrepancies classify accepted_variance --kind null_rate >/dev/null
check "classified by kind like any discrepancy" "accepted_variance" \
    "$(sqlite3 .cutover/state.db "SELECT class FROM discrepancies WHERE run_id = 2 AND kind = 'null_rate'")"
sqlite3 ../tgt.db "CREATE INDEX lines_by_invoice ON lines(invoice_id)"
"$bin" diff --ndjson >run3.ndjson
check "run against run: the index made is fixed, the rest still open, the variance accepted" \
    "0 1 7 1 6" \
    "$(jq -r 'select(.type == "summary") | "\(.previous.new) \(.previous.fixed) \(.previous.still_open) \(.accepted) \([.tables[].structure // 0] | add - 1)"' run3.ndjson)"
check "… and it carries its class" "accepted_variance" \
    "$(jq -r 'select(.check == "null_rate") | .class' run3.ndjson)"

check "the report lists them with what each says" \
    "| lines | tenant_leak | lines(invoice_id) -> invoices(id) | 2 rows of lines belong to another tenant (tenant_id) than the row of invoices they point at through (invoice_id): a privacy defect |" \
    "$("$bin" report --format md | grep -o '^| lines | tenant_leak | [^|]* | [^|]* |')"

# --- --structure-only: no rows read, no business checks; a run of its own kind
"$bin" diff --structure-only --ndjson >only.ndjson
rc=$?
structural only.ndjson >only.txt
grep -v '^index_missing' ../expected.txt >expected-only.txt
same "--structure-only: the same findings (the index now made)" expected-only.txt only.txt
check "--structure-only: rows not read, recorded as a structure run, exit 1" \
    "1 true null null structure" \
    "$rc $(jq -r 'select(.type == "summary") | "\(.structure_only) \(.tables[0].source_rows) \(.tables[0].target_rows)"' only.ndjson) $(sqlite3 .cutover/state.db "SELECT kind FROM runs ORDER BY id DESC LIMIT 1")"
cd ..

# --- a check slower than [migration] structure_timeout is reported as not run:
# 400,000 lines on PostgreSQL, a limit of 1 ms
psql -X -q -d structure -c "INSERT INTO lines SELECT i, 1, 1, i FROM generate_series(1000, 400999) i" ||
    exit 99
cd pg || exit 99
sed -i 's/^tenant = tenant_id/&\nstructure_timeout = 1ms/' cutover.ini
"$bin" diff --structure-only --table lines --ndjson >slow.ndjson
rc=$?
check "a check over its limit: not run, said so, never left out (exit 1)" \
    "1 null_rate true|orphan true|tenant_leak true|" \
    "$rc $(jq -r 'select(.type == "structure" and .not_run) | "\(.check) \(.not_run)"' slow.ndjson | sort | tr '\n' '|')"
check "… with the limit in its message, counted in the summary" \
    "not run: the orphan check of lines (lines_invoice_id_fkey) took longer than [migration] structure_timeout (1ms)|3" \
    "$(jq -r 'select(.check == "orphan") | .message' slow.ndjson)|$(jq -r 'select(.type == "summary") | .structure_not_run' slow.ndjson)"
cd ..

# --- a faithful copy (the Pilot against itself) has but the leak the Pilot holds
plan self sqlite:../src.db
sed -i 's/^where = id <> 7//; s/,CASE WHEN id % 20 = 0 THEN NULL ELSE region END,/,,/; s/,lower(email),/,,/' self/cutover.ini self/mapping.csv
(cd self && "$bin" diff --ndjson >run.ndjson)
check "a faithful copy: only the tenant leak the Pilot itself holds" \
    "tenant_leak lines invoice_id 2 id=50 id=51|" "$(structural self/run.ndjson | tr '\n' '|')"
sed -i '/^tenant = /d' self/cutover.ini
(cd self && "$bin" diff --ndjson >run.ndjson)
check "… and without tenants in the plan, none: exit 0" "0 pass" \
    "$(structural self/run.ndjson | wc -l) $(jq -r 'select(.type == "summary") | .status' self/run.ndjson)"
finish
