#!/bin/bash
# Times in cutover diff and map lint: SQLite's times of day in their forms
# against time and timetz, timestamps into a date column, and a pilot keeping
# Unix times and Julian days (lint names each conversion, from SQLite and
# from PostgreSQL, and with those transforms the diff is clean). Run by
# tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-times.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- times of day: SQLite's text in its forms ('10:00', '10:00:00.500', 'Z') against
# PostgreSQL's time and timetz, as times, not as text
createdb times || exit 99
psql -X -q -d times -c "CREATE TABLE t (id int PRIMARY KEY, opens time, closes time(3), local timetz)" \
    -c "INSERT INTO t VALUES (1, '10:00', '18:30:00.5', '09:00+02'), (2, '00:00', '24:00', '23:59:59.999999+05:30'),
        (3, '07:15:30', '12:00', '12:00+00')"
sqlite3 times.db "CREATE TABLE t (id INTEGER PRIMARY KEY, opens TEXT, closes TEXT, local TEXT);
    INSERT INTO t VALUES (1, '10:00', '18:30:00.500', '09:00:00+02:00'), (2, '00:00:00', '24:00:00',
        '23:59:59.999999+0530'), (3, '07:15:30.000', '12:00:00', '12:00Z')"
clean_pair times sqlite:../times.db dbname=times "SQLite → PostgreSQL times of day in other forms: clean"
psql -X -q -d times -c "UPDATE t SET opens = '10:00:01' WHERE id = 1; UPDATE t SET local = '12:00+01' WHERE id = 3"
sqlite3 ../times.db "UPDATE t SET closes = '9:00' WHERE id = 2"
"$bin" diff --ndjson >run.ndjson
lines run.ndjson >actual.txt
printf '%s\n' "t changed id=1 opens:10:00->10:00:01" "t changed id=2 closes:9:00->24:00:00" \
    "t changed id=3 local:12:00Z->12:00:00+01" >expected.txt
same "… then exactly a second later, another zone, and text that is no time" expected.txt actual.txt
"$bin" map lint --json >lint.json
check "… which lint names" "not_parsable t.closes 1 rows will not read as a time for t.closes (time(3) without time zone)" \
    "$(jq -r '.findings[] | select(.code != "no_owner") | "\(.code) \(.target) \(.message)"' lint.json)"
cd ..

# --- timestamps into a date column: PostgreSQL takes their date; lint warns of a time of
# day dropped (not of midnight), and the diff compares the dates
createdb dates || exit 99
psql -X -q -d dates -c "CREATE TABLE t (id int PRIMARY KEY, born date)" \
    -c "INSERT INTO t VALUES (1, '2023-11-14'), (2, '2023-11-15'), (3, '2023-11-16')"
sqlite3 dates.db "CREATE TABLE t (id INTEGER PRIMARY KEY, born DATE);
    INSERT INTO t VALUES (1, '2023-11-14 22:13:20'), (2, '2023-11-15 00:00:00'), (3, '2023-11-16')"
clean_pair dates sqlite:../dates.db dbname=dates "timestamps into a date column: clean"
"$bin" map lint --json >lint.json
check "… lint: no error, a warning for the one time of day dropped" \
    "0 time_loss 1 1 rows have a time of day that t.born (date) drops; if that is intended, say so in the transform: date(\"born\")" \
    "$(jq -r '.errors as $e | [.findings[] | select(.code != "no_owner")][0] | "\($e) \(.code) \(.count) \(.message); \(.hint)"' lint.json)"
cd ..

# --- a pilot keeping times as Unix times and Julian days: init pairs the columns by
# name (numbers fit times), lint says which conversion each needs, and with the
# transforms it names the diff is clean
createdb epochs || exit 99
psql -X -q -d epochs -c "CREATE TABLE t (id int PRIMARY KEY, created timestamptz, seen timestamp,
    jd timestamp, born date)" \
    -c "INSERT INTO t VALUES (1, to_timestamp(1700000000), timestamp '2023-11-14 22:13:20.123',
        timestamp '2023-02-25 00:00', date '2023-11-14'),
        (2, to_timestamp(1600000000), timestamp '2020-09-13 12:26:40', timestamp '2020-05-30 18:00',
        date '2020-09-13')"
sqlite3 epochs.db "CREATE TABLE t (id INTEGER PRIMARY KEY, created INTEGER, seen INTEGER, jd REAL, born INTEGER);
    INSERT INTO t VALUES (1, 1700000000, 1700000000123, 2460000.5, 1700000000),
        (2, 1600000000, 1600000000000, 2459000.25, 1600000000)"
mkdir epochs && cd epochs && "$bin" init --source sqlite:../epochs.db --target dbname=epochs >/dev/null
"$bin" map lint --json >lint.json
check "Unix times and Julian days paired by name; lint names the conversion of each" \
    "$(printf '%s\n' "t.created they look like Unix times in seconds: transform with datetime(\"created\", 'unixepoch')" \
        "t.seen they look like Unix times in milliseconds: transform with strftime('%Y-%m-%d %H:%M:%f', \"seen\" / 1000.0, 'unixepoch')" \
        't.jd they look like Julian day numbers: transform with datetime("jd")' \
        "t.born they look like Unix times in seconds: transform with date(\"born\", 'unixepoch')")" \
    "$(jq -r '.findings[] | select(.code == "not_parsable") | "\(.target) \(.hint)"' lint.json)"
jq -r '.findings[] | select(.code == "not_parsable") | "\(.source)\t\(.hint | sub(".*transform with "; ""))"' \
    lint.json >transforms.tsv
awk 'NR == FNR { split($0, a, "\t"); t[a[1]] = a[2]; next }
    { n = split($0, f, ",")
      if (FNR > 1 && (f[1] in t)) { v = t[f[1]]; gsub(/"/, "\"\"", v); f[3] = "\"" v "\"" }
      line = f[1]; for (i = 2; i <= n; i++) line = line "," f[i]; print line }' \
    transforms.tsv mapping.csv >mapping.new && mv mapping.new mapping.csv
"$bin" diff --ndjson >run.ndjson
check "… and with those transforms the diff is clean" "0 0" \
    "$(jq -r 'select(.type == "summary") | "\(.changed) \(.missing)"' run.ndjson)"
cd ..
createdb epochsrc
psql -X -q -d epochsrc -c "CREATE TABLE t (id int PRIMARY KEY, created bigint, seen bigint, jd float8, born bigint)" \
    -c "INSERT INTO t VALUES (1, 1700000000, 1700000000123, 2460000.5, 1700000000)"
mkdir epochs-pg && cd epochs-pg && "$bin" init --source dbname=epochsrc --target dbname=epochs >/dev/null
"$bin" map lint --json >lint.json
check "… from PostgreSQL, in its own functions" \
    "$(printf '%s\n' 't.created they look like Unix times in seconds: transform with to_timestamp("created")' \
        't.seen they look like Unix times in milliseconds: transform with to_timestamp("seen" / 1000.0)' \
        't.jd convert them in the transform, or filter them out' \
        't.born they look like Unix times in seconds: transform with to_timestamp("born")::date')" \
    "$(jq -r '.findings[] | select(.code == "not_parsable") | "\(.target) \(.hint)"' lint.json)"
cd ..

finish
