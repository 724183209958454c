#!/bin/bash
# Values in cutover diff, field by field: types Chinook lacks (bytes, floats,
# decimals, booleans, timestamps, escaped text) SQLite → PostgreSQL; a SQLite
# pair where every storage class meets every other; a PostgreSQL pair read with
# binary COPY (equal values in other types, row estimates instead of counts);
# floats into numeric(p,s) and real. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-values.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- types Chinook lacks: bytes, floats, decimals, booleans, timestamps, tabs and backslashes
# Both sides are built by each engine's own SQL; only the bytes come from here.
createdb types
psql -X -q -d types -c "CREATE TABLE t (id int PRIMARY KEY, b bytea, f float8, n numeric(12,2),
    ok boolean, at timestamp, s text)"
sqlite3 types.db "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, f REAL, n NUMERIC, ok INTEGER, at TEXT, s TEXT)"
for i in $(seq 1 300); do printf '%d %08x00ff\n' "$i" $((i * 2654435761 % 4294967296)); done >bytes.txt
awk '{ printf "INSERT INTO t (id, b) VALUES (%s, %s\\x%s%s);\n", $1, "\047", $2, "\047" }' bytes.txt |
    psql -X -q -d types
awk '{ printf "INSERT INTO t (id, b) VALUES (%s, x%s%s%s);\n", $1, "\047", $2, "\047" }' bytes.txt |
    sqlite3 types.db
psql -X -q -d types -c "UPDATE t SET f = id / 3.0::float8, n = round(id / 7.0, 2), ok = id % 2 = 0,
    at = timestamp '2024-01-01' + id * interval '1.5 s', s = E'tab\\there\\\\back ' || id"
sqlite3 types.db "UPDATE t SET f = id / 3.0, n = round(id / 7.0, 2), ok = id % 2 = 0,
    at = strftime('%Y-%m-%dT%H:%M:%f', '2024-01-01', '+' || (id * 1.5) || ' seconds'),
    s = 'tab' || char(9) || 'here\\back ' || id"
psql -X -q -d types -c "INSERT INTO t VALUES (301, '', 0.1, -0.5, NULL, NULL, NULL)"
sqlite3 types.db "INSERT INTO t VALUES (301, x'', 0.1, -0.5, NULL, NULL, NULL)"
clean_pair types sqlite:../types.db dbname=types \
    "bytea, float8, numeric, boolean, timestamp, escaped text: clean"
psql -X -q -d types -c "UPDATE t SET b = '\\x0aff' WHERE id = 7; UPDATE t SET f = 2.5 WHERE id = 8;
    UPDATE t SET s = E'tab\\there' WHERE id = 9; UPDATE t SET at = at + interval '1 ms' WHERE id = 10"
"$bin" diff --ndjson >run.ndjson
{
    echo "t changed id=10 at:2024-01-01T00:00:15.000->2024-01-01 00:00:15.001"
    echo "t changed id=7 b:\\x$(sed -n 7p ../bytes.txt | cut -d' ' -f2)->\\x0aff"
    echo "t changed id=8 f:2.6666666666666665->2.5"
    printf 't changed id=9 s:tab\there\\back 9->tab\there\n'
} >expected.txt
lines run.ndjson >actual.txt
same "types: exactly the four changes, bytes shown as hex" expected.txt actual.txt
cd ..

# --- a SQLite pair, value by value: SQLite pairs compare integers and reals as
# their 8 stored bytes and format only what differs, so every storage class
# (INTEGER, REAL, TEXT, BLOB, NULL) meets every other here. An untyped column
# keeps what it is given; NUMERIC stores 2.0 as INTEGER 2 and 2.5 as REAL.
sqlite3 kinds.db "CREATE TABLE k (id INTEGER PRIMARY KEY, i INTEGER, r REAL, n NUMERIC, x, b BLOB);
    INSERT INTO k VALUES (1, 7, 0.1, 2.5, 5, x'00ff'), (2, -9223372036854775808, 0.0, 2, 5, NULL),
        (3, 9223372036854775807, 1e300, 1.25, 5.5, x''), (4, 0, 2.5e-7, 0.1, 'five', x'0a'),
        (5, 1, 0.30000000000000004, 3, 5, x'ff'), (6, NULL, NULL, NULL, NULL, NULL),
        (7, 42, 1.5, 4, 6, x'01'), (8, 3, 3.0, 1.5, -0.0, x'02')"
cp kinds.db kinds2.db
clean_pair kinds sqlite:../kinds.db sqlite:../kinds2.db "SQLite pair, every storage class: clean"
sqlite3 ../kinds2.db "UPDATE k SET r = -0.0 WHERE id = 2; UPDATE k SET x = '5' WHERE id = 1;
    UPDATE k SET x = 5.0 WHERE id = 2; UPDATE k SET i = 8, r = 0.3 WHERE id = 5;
    UPDATE k SET i = NULL, b = x'0b' WHERE id = 4; UPDATE k SET n = 2.0, r = 1e-300 WHERE id = 3;
    UPDATE k SET x = 6.0, b = '01' WHERE id = 7; UPDATE k SET i = 9223372036854775806 WHERE id = 2;
    UPDATE k SET r = 3 WHERE id = 8; UPDATE k SET x = 0 WHERE id = 8"
"$bin" diff --ndjson >run.ndjson
lines run.ndjson >actual.txt
printf '%s\n' "k changed id=2 i:-9223372036854776000->9223372036854776000" \
    "k changed id=3 r:1e+300->1e-300;n:1.25->2" \
    "k changed id=4 i:0->null;b:\\x0a->\\x0b" \
    "k changed id=5 i:1->8;r:0.30000000000000004->0.3" \
    "k changed id=7 b:\\x01->\\x3031" >expected.txt
same "SQLite pair: exactly the changed values (-0.0 = 0.0, 5 = 5.0 = '5' in a number column)" \
    expected.txt actual.txt
check "SQLite pair: 64-bit integers exact in the JSON" \
    '"source":"i","target":"i","source_value":-9223372036854775808,"target_value":9223372036854775806' \
    "$(grep -o '"source":"i","target":"i","source_value":-92[^}]*' run.ndjson)"
cd ..

# --- a PostgreSQL pair, value by value: read with COPY in binary, compared as the
# server's bytes and formatted only where they differ. The two sides differ in
# type where that keeps the values equal (int4/int8, numeric scales, timestamp/
# timestamptz, json/jsonb); w has an interval, so it is read as text instead.
createdb pga && createdb pgb || exit 99
gen="SELECT g, g * 7 - 700, round(g / 7.0, 2), g / 3.0::float8, timestamp '2024-01-01' + g * interval '1.5 s',
    timestamptz '2024-01-01 00:00:00+00' + g * interval '90 min', date '2024-02-27' + g,
    time '00:00' + g * interval '7 min', md5(g::text)::uuid,
    decode(lpad(to_hex(g * 2654435761 % 4294967296), 8, '0') || '00ff', 'hex'),
    ('{\"b\": ' || g || ', \"a\": [1, 2]}')::json, g % 2 = 0, E'tab\\there\\\\ ' || g
    FROM generate_series(1, 200) g"
psql -X -q -d pga -c "CREATE TABLE v (id int PRIMARY KEY, i int4, n numeric(12,2), f float8,
    ts timestamp, tz timestamptz, d date, t time, u uuid, b bytea, j json, ok boolean, s text)" \
    -c "INSERT INTO v $gen" -c "CREATE TABLE w (id int PRIMARY KEY, iv interval)" \
    -c "INSERT INTO w SELECT g, g * interval '1 day' FROM generate_series(1, 5) g"
psql -X -q -d pgb -c "CREATE TABLE v (id bigint PRIMARY KEY, i int8, n numeric(14,4), f float8,
    ts timestamptz, tz timestamptz, d date, t time, u uuid, b bytea, j jsonb, ok boolean, s text)" \
    -c "INSERT INTO v $gen" -c "CREATE TABLE w (id int PRIMARY KEY, iv interval)" \
    -c "INSERT INTO w SELECT g, g * interval '1 day' FROM generate_series(1, 5) g"
clean_pair pgpair dbname=pga dbname=pgb \
    "PostgreSQL pair, equal values in other types (int8, numeric(14,4), timestamptz, jsonb): clean"
psql -X -q -d pgb -c "UPDATE v SET n = n + 0.01 WHERE id = 3; UPDATE v SET ts = ts + interval '1 s' WHERE id = 4;
    UPDATE v SET tz = tz + interval '1 microsecond' WHERE id = 5; UPDATE v SET d = NULL WHERE id = 6;
    UPDATE v SET u = md5('x')::uuid WHERE id = 7; UPDATE v SET b = '\\x0aff' WHERE id = 8;
    UPDATE v SET j = '{\"a\": [2, 1], \"b\": 9}' WHERE id = 9; UPDATE v SET ok = NOT ok WHERE id = 10;
    UPDATE v SET i = -i WHERE id = 11; UPDATE v SET t = '24:00' WHERE id = 12;
    UPDATE v SET f = 'NaN' WHERE id = 13; UPDATE v SET s = 'x' WHERE id = 14; DELETE FROM v WHERE id = 15;
    INSERT INTO v (id, n) VALUES (1000, 1.5); UPDATE v SET j = '{\"a\": [1, 2], \"b\": 18}' WHERE id = 18;
    UPDATE w SET iv = iv + interval '1 s' WHERE id = 2"
"$bin" diff --ndjson >run.ndjson
lines run.ndjson >actual.txt
{
    echo "v changed id=10 ok:t->f"
    echo "v changed id=11 i:-623->623"
    echo "v changed id=12 t:01:24:00->24:00:00"
    echo "v changed id=13 f:4.333333333333333->NaN"
    printf 'v changed id=14 s:tab\there\\ 14->x\n'
    echo "v changed id=3 n:0.43->0.44"
    echo "v changed id=4 ts:2024-01-01 00:00:06->2024-01-01 00:00:07+00"
    echo "v changed id=5 tz:2024-01-01 07:30:00+00->2024-01-01 07:30:00.000001+00"
    echo "v changed id=6 d:2024-03-04->null"
    echo "v changed id=7 u:8f14e45f-ceea-167a-5a36-dedd4bea2543->9dd4e461-268c-8034-f5c8-564e155c67a6"
    echo "v changed id=8 b:\\xf1bbcd8800ff->\\x0aff"
    echo 'v changed id=9 j:{"b": 9, "a": [1, 2]}->{"a": [2, 1], "b": 9}'
    echo "v extra id=1000"
    echo "v missing id=15"
    echo "w changed id=2 iv:2 days->2 days 00:00:01"
} >expected.txt
same "PostgreSQL pair: exactly the changed values, each as the server writes it" \
    expected.txt actual.txt
# progress takes PostgreSQL's estimate of an analyzed table's rows, not a count(*)
# pass over it first; a table never analyzed (w) has none and is counted
psql -X -q -d pga -c "ANALYZE v" -c "ALTER DATABASE pga SET log_statement = 'all'"
log=$CUTOVER_PGDATA/../server.log
from=$(wc -l <"$log")
"$bin" diff --ndjson >/dev/null
check "the diff counts no analyzed table's rows, and counts one never analyzed" \
    'SELECT count(*) FROM "public"."w"' \
    "$(tail -n +"$((from + 1))" "$log" | grep -o 'SELECT count(\*) FROM .*')"
check "… and ends its snapshot before it hangs up, never committing: nothing about a lost client in the log" \
    "ROLLBACK" "$(tail -n +"$((from + 1))" "$log" | grep -o 'COMMIT\|ROLLBACK\|connection to client lost' | sort -u)"
from=$(wc -l <"$log")
"$bin" inventory >/dev/null
check "… the inventory counts every table exactly" \
    "$(printf '%s\n' 'SELECT count(*) FROM "public"."v"' 'SELECT count(*) FROM "public"."w"')" \
    "$(tail -n +"$((from + 1))" "$log" | grep -o 'SELECT count(\*) FROM .*')"
psql -X -q -d pga -c "ALTER DATABASE pga RESET log_statement"
cd ..

# --- floats into numeric(p,s) and real: the target rounds them (0.1 + 0.2 into
# numeric(10,2) is 0.30; 2.675 is 2.68, half away from zero from its shortest form) and
# holds a real in single precision; an exact decimal is not rounded. The NDJSON writes
# each number in its fewest digits, and a decimal no double holds as its text.
createdb floats || exit 99
psql -X -q -d floats -c "CREATE TABLE t (id int PRIMARY KEY, amount numeric(10,2), ratio real,
    exact numeric(10,2), big numeric(30,2))" \
    -c "INSERT INTO t VALUES (1, 0.30000000000000004, 3.14159265358979, 0.31, 12345678901234567.89),
        (2, 2.675, 0.1, 1.5, 1)"
sqlite3 floats.db "CREATE TABLE t (id INTEGER PRIMARY KEY, amount REAL, ratio REAL, exact TEXT, big TEXT);
    INSERT INTO t VALUES (1, 0.1 + 0.2, 3.14159265358979, '0.305', '12345678901234567.89'),
        (2, 2.675, 0.1, '1.50', '1.00')"
mkdir floats && cd floats && "$bin" init --source sqlite:../floats.db --target dbname=floats >/dev/null
"$bin" diff --ndjson >run.ndjson
check "SQLite REALs into numeric(10,2) and real: equal at the target's precision; 0.305 is not 0.31" \
    '{"type":"discrepancy","table":"t","target_table":"t","kind":"changed","key":{"id":1},"fields":[{"source":"exact","target":"exact","source_value":0.305,"target_value":0.31}]}' \
    "$(grep discrepancy run.ndjson)"
psql -X -q -d floats -c "UPDATE t SET amount = 2.67, big = 12345678901234567.88 WHERE id IN (1, 2)"
"$bin" diff --ndjson >run.ndjson
check "… a cent off is found; numbers in their fewest digits, a decimal no double holds as text" \
    "$(printf '%s\n' '{"source":"amount","target":"amount","source_value":0.30000000000000004,"target_value":2.67}' \
        '{"source":"big","target":"big","source_value":"12345678901234567.89","target_value":"12345678901234567.88"}' \
        '{"source":"amount","target":"amount","source_value":2.675,"target_value":2.67}' \
        '{"source":"big","target":"big","source_value":1,"target_value":"12345678901234567.88"}')" \
    "$(grep -o '{"source":"\(amount\|big\)"[^}]*}' run.ndjson)"
cd ..

finish
