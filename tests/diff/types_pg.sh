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


# clean_settled LABEL: the plan in . diffs clean with the session settings of
# DESIGN.md's "Safety rules" set otherwise in the environment (#30 §1 and §5)
clean_settled() {
    env PGDATESTYLE='SQL, DMY' PGTZ=Asia/Kolkata \
        PGOPTIONS='-c extra_float_digits=0 -c bytea_output=escape -c intervalstyle=sql_standard' \
        "$bin" diff --ndjson >settled.ndjson
    check "$1: clean with DateStyle, TimeZone, extra_float_digits, bytea_output, IntervalStyle set otherwise" \
        "0 1" "$? $(wc -l <settled.ndjson)"
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
clean_settled "… PostgreSQL → SQLite"
cd ..

mkdir to-pg && cd to-pg || exit 99
"$bin" init --source sqlite:../loose.db --target dbname=typed >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
rc=$?
check "… and SQLite → PostgreSQL, the other way: clean" "0 1" "$rc $(wc -l <run.ndjson)"
[ $rc = 0 ] || head -3 run.ndjson
clean_settled "… SQLite → PostgreSQL"
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

# --- PostgreSQL → PostgreSQL across types: the coarser side's precision, the
# padding of char(n), a uuid or json read back as text, a real widened to double
createdb xa && createdb xb || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d xa -c "CREATE TABLE t (id int PRIMARY KEY, r real, c char(6), u uuid,
    j jsonb, ts timestamp, n numeric(8,3))" \
    -c "INSERT INTO t SELECT g, g / 10.0, 'c' || g, md5(g::text)::uuid, jsonb_build_object('k', g, 'v', g / 4.0),
        timestamp '2024-05-01 10:00:00' + g * interval '1.5 s', g / 8.0 FROM generate_series(1, 50) g" || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d xb -c "CREATE TABLE t (id bigint PRIMARY KEY, r float8, c text, u text,
    j text, ts timestamp(0), n float8)" || exit 99
psql -X -q -d xa -c "COPY (SELECT id, r::float8, c::text, u::text, j::text, ts, n FROM t) TO STDOUT" |
    psql -X -q -v ON_ERROR_STOP=1 -d xb -c "COPY t FROM STDIN" || exit 99
check "the copy: a real widened, char(n) cut, uuids as text, timestamp(0) rounded" \
    "0.30000001192092896|c3|eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3|2024-05-01 10:00:05" \
    "$(psql -X -At -d xb -c "SELECT r, c, u, ts FROM t WHERE id = 3")"
mkdir pgpg && cd pgpg || exit 99
"$bin" init --source dbname=xa --target dbname=xb >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "PostgreSQL → PostgreSQL across types (real/float8, char/text, uuid/text, jsonb/text, timestamp/timestamp(0), numeric/float8): clean" \
    "0 1" "$? $(wc -l <run.ndjson)"
psql -X -q -d xb -c "ALTER DATABASE xb SET datestyle = 'German, DMY'" -c "ALTER DATABASE xb SET timezone = 'America/St_Johns'" || exit 99
clean_settled "… PostgreSQL → PostgreSQL, the target database set otherwise too"
psql -X -q -d xb -c "UPDATE t SET r = 0.31 WHERE id = 3; UPDATE t SET c = 'c4x' WHERE id = 4;
    UPDATE t SET ts = ts + interval '1 s' WHERE id = 5; UPDATE t SET j = '{\"k\": 6, \"v\": 1.51}' WHERE id = 6;
    UPDATE t SET n = n + 0.001 WHERE id = 7" || exit 99
"$bin" diff --ndjson >run.ndjson
lines run.ndjson | cut -d' ' -f1-4 | sed 's/:.*//' >actual.txt
printf '%s\n' "t changed id=3 r" "t changed id=4 c" "t changed id=5 ts" "t changed id=6 j" "t changed id=7 n" >expected.txt
same "… planted differences: each reported with its key and field" expected.txt actual.txt
cd ..

# --- SQLite → SQLite: a source declared with real types (BOOLEAN, DATETIME, UUID,
# JSON), a copy declared by affinity only
sqlite3 typed.db "CREATE TABLE t (id INTEGER PRIMARY KEY, ok BOOLEAN, at DATETIME, u UUID, j JSON);
    INSERT INTO t VALUES (1, 'true', '2024-05-01 10:00:00', 'c4ca4238-a0b9-2382-0dcc-509a6f75849b', '{\"b\": 1, \"a\": 2}'),
        (2, 'f', '2024-05-01T11:00:00.5Z', 'c81e728d-9d4c-2f63-6f06-7f89cc14862c', '[1.50]');" || exit 99
sqlite3 loose2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, ok INTEGER, at TEXT, u BLOB, j TEXT);
    INSERT INTO t VALUES (1, 1, '2024-05-01T10:00:00.000Z', x'c4ca4238a0b923820dcc509a6f75849b', '{\"a\":2,\"b\":1}'),
        (2, 0, '2024-05-01 11:00:00.500', x'c81e728d9d4c2f636f067f89cc14862c', '[1.5]');" || exit 99
mkdir litelite && cd litelite || exit 99
"$bin" init --source sqlite:../typed.db --target sqlite:../loose2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "SQLite → SQLite, typed declarations into affinities: clean" "0 1" "$? $(wc -l <run.ndjson)"
sqlite3 ../loose2.db "UPDATE t SET ok = 1, j = '[1.51]' WHERE id = 2" || exit 99
"$bin" diff --ndjson >run.ndjson
check "… a planted difference: its key and fields" "t changed id=2 ok,j" \
    "$(jq -r 'select(.type == "discrepancy") | "\(.table) \(.kind) id=\(.key.id) \(.fields | map(.source) | join(","))"' run.ndjson)"
cd ..

finish
