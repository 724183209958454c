#!/bin/bash
# --strategy bisect (comparison.md, "Strategies"): key ranges compared by
# count and checksum on the servers, then the probe of the ranges that
# differ. It must find exactly what a full read finds, on SQLite → SQLite,
# on Chinook PostgreSQL → PostgreSQL and on a million rows of PostgreSQL,
# while the probe reads only the ranges that differ. Run by tests/harness.sh
# (PostgreSQL with Chinook loaded).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-bisect.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

plan() {  # plan DIR SOURCE TARGET
    mkdir "$1" && cd "$1" || exit 99
    "$bin" init --source "$2" --target "$3" >/dev/null || exit 99
    sed -i 's/^decision *= *undecided$/decision = migrate/' cutover.ini
    cd ..
}
# summary NDJSON: each table's strategy and counts
summary() {
    jq -r 'select(.type == "summary") | .tables[] |
           "\(.table) \(.strategy) \(.source_rows) \(.target_rows) \(.missing) \(.extra) \(.changed)"' "$1"
}
# strategies DIR NAME: full, probe and bisect run in DIR; their discrepancies
# and counts must be the same
strategies() {
    local s
    for s in full probe bisect; do
        (cd "$1" && "$bin" diff --strategy $s --ndjson >$s.ndjson)
        echo "$?" >"$1/$s.rc"
    done
    check "$2: probe and bisect find exactly what a full read finds" \
        "$(cat "$1/full.rc")|$(lines "$1/full.ndjson" | md5sum)" \
        "$(cat "$1/bisect.rc")|$(lines "$1/bisect.ndjson" | md5sum)"
    check "$2: … the probe too" "$(lines "$1/full.ndjson" | md5sum)" "$(lines "$1/probe.ndjson" | md5sum)"
    check "$2: … with the same counts" "$(summary "$1/full.ndjson" | cut -d' ' -f1,3-)" \
        "$(summary "$1/bisect.ndjson" | cut -d' ' -f1,3-)"
}

# --- SQLite → SQLite: 300,000 rows, changes at both ends, in the middle, a
# negative key, and an extra row a billion keys away (several rounds)
sqlite3 s.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c REAL);
    WITH RECURSIVE n(i) AS (SELECT -5 UNION ALL SELECT i + 1 FROM n WHERE i < 299994)
    INSERT INTO t SELECT i, 'row ' || i, i * 7, i / 3.0 FROM n" || exit 99
cp s.db t.db
cp s.db same.db
sqlite3 t.db "UPDATE t SET a = 'changed' WHERE id IN (-5, 17, 150000, 299994);
    UPDATE t SET c = NULL WHERE id = 77777; DELETE FROM t WHERE id IN (-1, 99999, 200001);
    INSERT INTO t VALUES (1000000000, 'extra', 1, 1)" || exit 99
plan lite sqlite:../s.db sqlite:../t.db
strategies lite "SQLite"
check "SQLite: 5 changed, 3 missing, 1 extra" "t bisect 300000 299998 3 1 5" "$(summary lite/bisect.ndjson)"
check "SQLite: bisected over several rounds, the probe reading a few ranges only" "true|true" \
    "$(jq -r 'select(.type == "summary") | .tables[0].bisect | "\(.ranges > 32)|\(.source_rows_probed < 60000)"' lite/bisect.ndjson)"
check "SQLite: the text says what bisection spared" \
    "t: bisected, $(jq -r 'select(.type == "summary") | .tables[0] | "\(.bisect.ranges) key ranges compared by checksum on the servers; the probe read \(.bisect.source_rows_probed) source and \(.bisect.target_rows_probed) target rows; \(.received.source) and \(.received.target) bytes received"' lite/bisect.ndjson)" \
    "$(cd lite && "$bin" diff --strategy bisect | grep '^t: bisected')"
check "SQLite: recorded with the run, as the Rehearsal panel shows it" \
    "$(jq -r 'select(.type == "summary") | .tables[0] | "bisected: \(.bisect.ranges) ranges, \(.received.source / 1000 * 10 | round / 10) kB and \(.received.target / 1000 * 10 | round / 10) kB received"' lite/bisect.ndjson)" \
    "$(sqlite3 lite/.cutover/state.db "SELECT detail FROM results WHERE run_id = (SELECT max(run_id) FROM results)" | sed 's/\.0 kB/ kB/g')"
plan same sqlite:../s.db sqlite:../same.db
(cd same && "$bin" diff --strategy bisect --ndjson >b.ndjson)
check "SQLite: a faithful copy: no row read, exit 0" "0|t bisect 300000 300000 0 0 0|0 0" \
    "$?|$(summary same/b.ndjson)|$(jq -r 'select(.type == "summary") | .tables[0].bisect | "\(.source_rows_probed) \(.target_rows_probed)"' same/b.ndjson)"

cp s.db many.db
sqlite3 many.db "UPDATE t SET b = -b WHERE id % 500 = 3" || exit 99
plan many sqlite:../s.db sqlite:../many.db
strategies many "SQLite, 600 changes everywhere"
check "SQLite: differences in every range: one probe of the whole table after the first round" \
    "32 300000 300000" \
    "$(jq -r 'select(.type == "summary") | .tables[0].bisect | "\(.ranges) \(.source_rows_probed) \(.target_rows_probed)"' many/bisect.ndjson)"

# six dense blocks of keys with 12 changes each and sparse keys between them
# with one each: leaves found in later rounds lie below earlier ones, and
# more than 64 of them are joined into ranges for the probe
sqlite3 blocks.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1199999)
    INSERT INTO t SELECT i, 'row ' || i FROM n WHERE (i / 100000) % 2 = 0 OR i % 1000 = 50;
    INSERT INTO t VALUES (3200000, 'last')" || exit 99
cp blocks.db blocks2.db
sqlite3 blocks2.db "UPDATE t SET a = 'changed' WHERE (id % 100000) % 6250 = 6 OR id IN (100050, 300050)" || exit 99
plan blocks sqlite:../blocks.db sqlite:../blocks2.db
strategies blocks "SQLite, dense blocks and sparse keys"
check "SQLite, dense blocks: every change found" "98" \
    "$(jq -r 'select(.type == "summary") | .tables[0].changed' blocks/bisect.ndjson)"

# tables without key: each side's count and hash sum first; alike, no row is
# read; else the rows are read as without them
sqlite3 nk.db "CREATE TABLE same (a INTEGER, b TEXT); CREATE TABLE diff (a INTEGER, b TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
    INSERT INTO same SELECT i % 100, 'b' || i FROM n;
    INSERT INTO diff SELECT * FROM same" || exit 99
cp nk.db nk2.db
sqlite3 nk2.db "UPDATE diff SET b = 'x' WHERE rowid = 77" || exit 99
plan nokey sqlite:../nk.db sqlite:../nk2.db
strategies nokey "SQLite, tables without key"
check "SQLite, without key: alike by count and hash sum, no row read; the other read in full" \
    "diff full 5000 5000 1 1 0|same checksum 5000 5000 0 0 0|true" \
    "$(summary nokey/bisect.ndjson | paste -sd'|')|$(jq -r 'select(.type == "summary") | .tables[] | select(.table == "same") | .received.source < 100' nokey/bisect.ndjson)"

# --- Chinook, PostgreSQL → PostgreSQL, with known changes
createdb -T chinook chinook_copy || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d chinook_copy >/dev/null <<'SQL' || exit 99
UPDATE track SET name = 'Changed' WHERE track_id IN (1, 1700, 3503);
UPDATE invoice SET total = total + 1 WHERE invoice_id = 200;
DELETE FROM invoice_line WHERE invoice_line_id = 2000;
INSERT INTO genre VALUES (99, 'Extra');
UPDATE customer SET company = NULL WHERE customer_id = 5;
SQL
plan chinook dbname=chinook dbname=chinook_copy
strategies chinook "Chinook PostgreSQL"
check "Chinook: the changes, exactly" \
    "customer changed customer_id=5|genre extra genre_id=99|invoice changed invoice_id=200|invoice_line missing invoice_line_id=2000|track changed track_id=1|track changed track_id=1700|track changed track_id=3503" \
    "$(keyed chinook/bisect.ndjson | cut -d' ' -f1-3 | paste -sd'|')"
check "Chinook: the tables keyed on one integer column are bisected" "album artist customer employee genre invoice invoice_line media_type playlist track" \
    "$(jq -r 'select(.type == "summary") | [.tables[] | select(.strategy == "bisect") | .table] | join(" ")' chinook/bisect.ndjson)"

# --- a million rows of PostgreSQL, ten changes scattered
createdb big || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d big >/dev/null <<'SQL' || exit 99
CREATE TABLE m (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), at timestamptz, ok boolean);
INSERT INTO m SELECT i, 'name ' || i, i / 100.0, timestamptz '2026-01-01' + i * interval '1 second', i % 2 = 0
FROM generate_series(1, 1000000) i;
SQL
createdb -T big big_copy || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d big_copy >/dev/null <<'SQL' || exit 99
UPDATE m SET name = 'x' WHERE id IN (1, 123457, 250000, 499999, 777777, 1000000);
UPDATE m SET amount = amount + 0.01 WHERE id = 31337;
UPDATE m SET at = NULL WHERE id = 654321;
DELETE FROM m WHERE id IN (42, 900001);
SQL
plan big dbname=big dbname=big_copy
strategies big "PostgreSQL, 1M rows"
check "PostgreSQL, 1M rows: 8 changed, 2 missing" "m bisect 1000000 999998 2 0 8" "$(summary big/bisect.ndjson)"
check "PostgreSQL, 1M rows: the probe read under 10% of the rows" "true" \
    "$(jq -r 'select(.type == "summary") | .tables[0].bisect | .source_rows_probed < 100000' big/bisect.ndjson)"
rx() { jq -r "select(.type == \"summary\") | .tables[0].received.$2" "$1"; }
check "PostgreSQL, 1M rows: each side sent a tenth of what it sends the probe, or less" "yes yes" \
    "$([ $(( $(rx big/bisect.ndjson source) * 10 )) -lt "$(rx big/probe.ndjson source)" ] && echo yes) $(
      [ $(( $(rx big/bisect.ndjson target) * 10 )) -lt "$(rx big/probe.ndjson target)" ] && echo yes)"
(cd big && "$bin" diff --ndjson >auto.ndjson)
check "--strategy auto (the default) probes a table under 2M rows" "probe" \
    "$(jq -r 'select(.type == "summary") | .tables[0].strategy' big/auto.ndjson)"
check "--strategy nonsense: exit 2" "cutover diff: --strategy 'fast': expected auto, full, probe or bisect|2" \
    "$(cd big && "$bin" diff --strategy fast 2>&1 >/dev/null | head -1)|$(cd big && "$bin" diff --strategy fast >/dev/null 2>&1; echo $?)"
finish
