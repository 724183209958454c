#!/bin/bash
# The typed side says what a value is (DESIGN.md, "Comparing values across
# engines"; issue #30 §2): PostgreSQL copied into SQLite columns declared only
# with an affinity, as ORMs declare them, and back, diffs clean; planted true
# differences in the same tables are each reported with key, kind and field.
# The copies are made here the way tools make them: text round trips
# (booleans as 1/0, numerics as short text, timestamps as ISO 8601 with T and
# Z, uuids in upper case) and uuids as their 16 bytes. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-types.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

lines() {
    jq -r 'select(.type == "discrepancy") |
           [.table, .kind, (.key | to_entries | map("\(.key)=\(.value)") | join(",")),
            ((.fields // []) | map("\(.source):\(.source_value|tostring)->\(.target_value|tostring)") | join(";"))]
           | join(" ")' "$1" | sed 's/ $//' | sort
}

createdb typed || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d typed -c "CREATE TABLE t (id int PRIMARY KEY, ok boolean, amount numeric(10,2),
    u uuid, ub uuid, at timestamp, atz timestamptz, d date, r real, j jsonb, c char(8))" \
    -c "INSERT INTO t SELECT g, g % 3 = 0, g * 1.25, md5(g::text)::uuid, md5('b' || g)::uuid,
        timestamp '2024-05-01 10:00:00' + g * interval '61.5 s', timestamptz '2024-05-01 00:00:00+00' + g * interval '1 h',
        date '2024-02-27' + g, g / 10.0, jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g)), 'c' || g
        FROM generate_series(1, 140) g" \
    -c "INSERT INTO t (id) VALUES (141)" || exit 99
# the copy, as an ORM's schema declares it and a text round trip fills it
psql -X -At -d typed -c "SELECT format('INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s);',
        id, CASE WHEN ok THEN '1' WHEN NOT ok THEN '0' ELSE 'NULL' END,
        coalesce(quote_literal(trim(trailing '.' FROM trim(trailing '0' FROM amount::text))), 'NULL'),
        coalesce(quote_literal(upper(u::text)), 'NULL'),
        coalesce('x''' || replace(ub::text, '-', '') || '''', 'NULL'),
        coalesce(quote_literal(to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), 'NULL'),
        coalesce(quote_literal(to_char(atz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')), 'NULL'),
        coalesce(quote_literal(d::text), 'NULL'), coalesce(r::text, 'NULL'),
        coalesce(quote_literal(j::json::text), 'NULL'), coalesce(quote_literal(rtrim(c)), 'NULL'))
    FROM t ORDER BY id" >rows.sql || exit 99
{
    echo "CREATE TABLE t (id INTEGER PRIMARY KEY, ok INTEGER, amount TEXT, u TEXT, ub BLOB, at TEXT, atz TEXT,
        d TEXT, r REAL, j TEXT, c TEXT);"
    cat rows.sql
} | sqlite3 loose.db || exit 99
check "the copy holds the values as such tools write them" \
    "1|0|1.25|C4CA4238-A0B9-2382-0DCC-509A6F75849B|16|2024-05-01T10:01:01.500000Z|2024-05-01T01:00:00+00:00|2024-02-28|0.1|c1" \
    "$(sqlite3 loose.db "SELECT id, ok, amount, u, length(ub), at, atz, d, r, c FROM t WHERE id = 1")"

mkdir to-sqlite && cd to-sqlite || exit 99
"$bin" init --source dbname=typed --target sqlite:../loose.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
check "PostgreSQL → SQLite declared INTEGER, TEXT, BLOB, REAL: clean" "0 1" "$rc $(wc -l <run.ndjson)"
[ $rc = 0 ] || head -3 run.ndjson
cd ..

mkdir to-pg && cd to-pg || exit 99
"$bin" init --source sqlite:../loose.db --target dbname=typed >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
check "… and SQLite → PostgreSQL, the other way: clean" "0 1" "$rc $(wc -l <run.ndjson)"
[ $rc = 0 ] || head -3 run.ndjson
cd ..

# true differences stay differences, each in its field
sqlite3 loose.db "UPDATE t SET ok = 1 WHERE id = 1; UPDATE t SET amount = '2.51' WHERE id = 2;
    UPDATE t SET u = 'ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF4' WHERE id = 4;
    UPDATE t SET at = '2024-05-01T10:05:07.000001Z' WHERE id = 5; UPDATE t SET d = '2024-03-05' WHERE id = 6;
    UPDATE t SET c = 'c77' WHERE id = 7; UPDATE t SET ub = x'00' WHERE id = 8;
    UPDATE t SET j = '{\"n\": 9, \"tags\": [\"a\", 10]}' WHERE id = 9; DELETE FROM t WHERE id = 10;
    UPDATE t SET ok = NULL WHERE id = 11" || exit 99
cd to-sqlite || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
lines run.ndjson | cut -d' ' -f1-4 | sed 's/:.*//' >actual.txt
cat >expected.txt <<'E'
t changed id=1 ok
t changed id=11 ok
t changed id=2 amount
t changed id=4 u
t changed id=5 at
t changed id=6 d
t changed id=7 c
t changed id=8 ub
t changed id=9 j
t missing id=10
E
check "planted differences: exit 1" 1 $rc
same "… each reported once, with its key, kind and field" expected.txt actual.txt
cd ..

finish
