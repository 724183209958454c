#!/bin/bash
# Never writes (issue #31): hostile SQL in every place a user can put SQL (a
# transform, a where, a check, a probe, a table's name) leaves both databases
# byte for byte as they were: every table's rows, every sequence, every large
# object, the list of relations (PostgreSQL), the file and its folder (SQLite).
# Each statement runs in a READ ONLY transaction that is rolled back, SQLite
# behind an authorizer, and a text of two statements is refused before it
# runs. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-writes.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# fp_pg DB: a fingerprint of everything the database holds that a write could change
fp_pg() {
    psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname)
        FROM pg_class WHERE relnamespace = 'public'::regnamespace" \
        -c "SELECT md5(string_agg(v::text, ',' ORDER BY id)) FROM victim v" \
        -c "SELECT last_value || ':' || is_called FROM victim_id_seq" \
        -c "SELECT count(*) FROM pg_largeobject_metadata" \
        -c "SELECT count(*) FROM pg_database" | tr '\n' ' '
}
fp_lite() { (cd lite && sha256sum pilot.db && ls -a) | tr '\n' ' '; }
fps() { echo "$(fp_pg ws) | $(fp_pg wt) | $(fp_lite)"; }

for db in ws wt; do
    createdb $db && psql -X -q -v ON_ERROR_STOP=1 -d $db \
        -c "CREATE TABLE victim (id serial PRIMARY KEY, v text)" \
        -c "INSERT INTO victim (v) SELECT 'v' || g FROM generate_series(1, 5) g" || exit 99
done
mkdir lite && sqlite3 lite/pilot.db "CREATE TABLE victim (id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO victim VALUES (1,'v1'),(2,'v2'),(3,'v3'),(4,'v4'),(5,'v5');
    CREATE TABLE \"x\"\"; DELETE FROM victim; --\" (id INTEGER PRIMARY KEY);" || exit 99
before=$(fps)
[ "$(grep -o victim_id_seq <<<"$before" | wc -l)" = 2 ] || { echo "fingerprint: $before" >&2; exit 99; }
mkdir pg && (cd pg && "$bin" init --source dbname=ws --target dbname=wt >/dev/null) || exit 99
mkdir sq && (cd sq && "$bin" init --source sqlite:../lite/pilot.db --target dbname=wt >/dev/null) || exit 99
sed -i 's/^decision *= *undecided$/decision = migrate/' pg/cutover.ini sq/cutover.ini

# hostile DIR NAME RC MESSAGE EDIT -- COMMAND…: from the plan and sheet as init wrote
# them, EDIT (a shell command in DIR), then COMMAND; its exit code and a line of its
# output, and nothing written anywhere
hostile() {
    local dir=$1 name=$2 rc=$3 msg=$4 edit=$5 got out
    shift 6
    rm -rf "$dir.case" && cp -a "$dir" "$dir.case" && cd "$dir.case" || exit 99
    bash -c "$edit" || exit 99
    out=$("$@" 2>&1)
    got=$?
    cd "$work" || exit 99
    if [ "$got" = "$rc" ] && grep -qF -- "$msg" <<<"$out" && [ "$(fps)" = "$before" ]; then
        ok "$name: exit $rc, said, nothing written"
    else
        not_ok "$name" "exit $got (expected $rc)" "wanted: $msg" "output: $(head -5 <<<"$out")" \
            "before: $before" "after:  $(fps)"
    fi
}
check_sql() {  # a [check] whose target query is $1
    printf '%s\n' "" "[check hostile]" "source = SELECT 1" "target = $1" >>cutover.ini
}
export -f check_sql

hostile pg "a transform that creates a large object on every row" 1 "5 changed" \
    "sed -i 's/^victim\.v,victim\.v,,/victim.v,victim.v,lo_create(0)::text,/' mapping.csv" -- "$bin" diff
hostile pg "a check that writes a large object into Production" 2 "must return one number" \
    "check_sql \"SELECT lo_from_bytea(0, '\\\\x00')::bigint * 0 + 1, 2\"" -- "$bin" diff
hostile pg "… one that returns its number" 0 "check hostile" \
    "check_sql \"SELECT lo_from_bytea(0, '\\\\x00')::bigint * 0 + 1\"" -- "$bin" diff
hostile pg "a check that takes a sequence's next value" 3 "cannot execute nextval() in a read-only transaction" \
    "check_sql \"SELECT nextval('victim_id_seq')\"" -- "$bin" diff
hostile pg "a check that notifies (rolled back: never sent)" 0 "check hostile" \
    "check_sql \"SELECT count(*) FROM (SELECT pg_notify('c', 'x')) n\"" -- "$bin" diff
hostile pg "a check that takes an advisory lock" 0 "check hostile" \
    "check_sql 'SELECT count(*) FROM (SELECT pg_advisory_lock(1)) l'" -- "$bin" diff
hostile pg "a check that asks for a transaction id" 0 "check hostile" \
    "check_sql 'SELECT txid_current() * 0 + 1'" -- "$bin" diff
hostile pg "a check that makes a table (SELECT … INTO)" 3 "cannot execute SELECT INTO in a read-only transaction" \
    "check_sql 'SELECT * INTO stolen FROM victim'" -- "$bin" diff
hostile pg "a check that commits and opens a read-write transaction" 2 "more than one statement" \
    "check_sql 'COMMIT; BEGIN READ WRITE; DELETE FROM victim'" -- "$bin" diff
hostile pg "a check that deletes through a CTE" 3 "in a read-only transaction (SQLSTATE 25006)" \
    "check_sql 'WITH d AS (DELETE FROM victim WHERE id = 4 RETURNING 1) SELECT count(*) FROM d'" -- "$bin" diff
hostile pg "a where that creates a large object" 0 "pass" \
    "sed -i '/^\[table victim\]/a where = id > 0 OR lo_create(0) > 0' cutover.ini" -- "$bin" diff
hostile pg "a where that tries a second statement" 2 "[table victim] where: a ';' ends the statement" \
    "sed -i '/^\[table victim\]/a where = id > 0; DELETE FROM victim' cutover.ini" -- "$bin" diff
# two probes on the target during watch: the first turns read-only off for the session,
# the second deletes a row; polls used to run in autocommit
hostile pg "probes that turn read-only off, then delete" 0 "probe" \
    "printf '%s\n' '' '[probe off]' 'sql = SELECT count(*) FROM (SELECT set_config(''default_transaction_read_only'', ''off'', false)) s' \
        '' '[probe del]' 'sql = WITH d AS (DELETE FROM victim WHERE id = 4 RETURNING 1) SELECT count(*) FROM d' >>cutover.ini" \
    -- "$bin" watch --headless --for 3s --interval 1s
hostile sq "SQLite: a table whose name holds SQL (left out of the plan: not validated)" 0 "not_validated" "true" -- "$bin" diff
hostile sq "SQLite: a check that attaches a file" 2 "a query is expected" \
    "printf '%s\n' '' '[check a]' \"source = ATTACH '../lite/x.db' AS x\" 'target = SELECT 1' >>cutover.ini" -- "$bin" diff
hostile sq "SQLite: a check of two statements (SQLite would drop the second in silence)" 2 "more than one statement" \
    "printf '%s\n' '' '[check a]' 'source = SELECT 1; DELETE FROM victim' 'target = SELECT 1' >>cutover.ini" -- "$bin" diff
hostile sq "SQLite: a transform that attaches" 2 "transform: a ';' ends the statement" \
    "sed -i \"s/^victim\.v,victim\.v,,/victim.v,victim.v,v); ATTACH '..\/lite\/x.db' AS x; SELECT (1,/\" mapping.csv" -- "$bin" diff
check "(nothing to fingerprint lost: the probe that deletes was refused by the server)" \
    "4 v4" "$(psql -X -At -d wt -c "SELECT id, v FROM victim WHERE id = 4" | tr '|' ' ')"

finish
