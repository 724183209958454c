#!/bin/bash
# What shapes a value on the server never changes a verdict (DESIGN.md, "Safety
# rules"; issue #30 §1): identical copies diff clean when the target's database
# or role, or the environment (PGDATESTYLE, PGTZ, PGOPTIONS), sets DateStyle,
# TimeZone, IntervalStyle, extra_float_digits or bytea_output otherwise, and a
# planted difference is still reported exactly. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-settings.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# clean NAME [ENV…]: the plan in . diffs clean, hashed by the servers and read in full
clean() {
    local name=$1 rc1 rc2
    shift
    env "$@" "$bin" diff --ndjson >hashed.ndjson; rc1=$?
    env "$@" CUTOVER_DIFF_HASH=0 "$bin" diff --ndjson >full.ndjson; rc2=$?
    check "$name: clean (exit 0, no discrepancy), hashed and in full" "0 0 1 1" \
        "$rc1 $rc2 $(wc -l <hashed.ndjson) $(wc -l <full.ndjson)"
    [ "$rc1$rc2" = 00 ] || head -3 hashed.ndjson full.ndjson
}

table="CREATE TABLE t (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz, f float8,
    r real, b bytea, iv interval, n numeric(12,4), tm time, ok boolean, j jsonb)"
rows="INSERT INTO t VALUES
    (1, '2024-05-01', '2024-05-01 10:00:00.5', '1930-05-01 00:00:00+00', 0.1::float8 + 0.2, 9.8,
        '\\x00ff', '1 day 2 hours', 12.5, '10:00:00', true, '{\"b\": 1, \"a\": [1.50, null]}'),
    (2, '1999-12-31', '1999-12-31 23:59:59.999999', '2024-03-31 01:30:00+00', 5e-324, 1.5,
        '\\x', '-3 mons -00:00:01', -0.0001, '23:59:59.999999', false, '[1, 2]'),
    (3, '2000-02-29', '1900-01-01 00:00:00', '2024-10-27 00:59:59.999999+00',
        1.7976931348623157e308, 3.4028235e38, '\\x5c00', '1 year -1 day', 0, '00:00:00', NULL, 'null'),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"

# --- the target database and a role set otherwise ---------------------------------
createdb pa && createdb pb || exit 99
for db in pa pb; do psql -X -q -v ON_ERROR_STOP=1 -d $db -c "$table" -c "$rows" || exit 99; done
psql -X -q -v ON_ERROR_STOP=1 -d pb \
    -c "ALTER DATABASE pb SET datestyle = 'SQL, DMY'" -c "ALTER DATABASE pb SET timezone = 'Europe/Amsterdam'" \
    -c "ALTER DATABASE pb SET extra_float_digits = 0" -c "ALTER DATABASE pb SET bytea_output = 'escape'" \
    -c "ALTER DATABASE pb SET intervalstyle = 'sql_standard'" || exit 99
check "the target's own session shows its values otherwise" \
    "01/05/2024|01/05/1930 00:19:32 AMT|0.3|\\000\\377|1 2:00:00" \
    "$(psql -X -At -d pb -c "SELECT d, tz, f, b, iv FROM t WHERE id = 1")"
mkdir db && cd db || exit 99
"$bin" init --source dbname=pa --target dbname=pb >/dev/null || exit 99
clean "PostgreSQL pair, the target database set otherwise"
psql -X -q -v ON_ERROR_STOP=1 -d pb -c "CREATE ROLE reader LOGIN" -c "GRANT SELECT ON t TO reader" \
    -c "ALTER ROLE reader SET datestyle = 'German, DMY'" -c "ALTER ROLE reader SET timezone = 'Asia/Kolkata'" \
    -c "ALTER ROLE reader SET extra_float_digits = -15" -c "ALTER ROLE reader SET intervalstyle = 'iso_8601'" || exit 99
sed -i 's|^url *= *dbname=pb$|url = dbname=pb user=reader|' cutover.ini
grep -q '^url = dbname=pb user=reader$' cutover.ini || exit 99
clean "… and as a role set otherwise again"
clean "… and with PGDATESTYLE, PGTZ and PGOPTIONS set otherwise" PGDATESTYLE='Postgres, MDY' \
    PGTZ=America/St_Johns PGOPTIONS='-c extra_float_digits=1 -c bytea_output=escape -c intervalstyle=postgres_verbose'
psql -X -q -v ON_ERROR_STOP=1 -d pb -c "UPDATE t SET tz = tz + interval '1 microsecond', f = 0.3 WHERE id = 1;
    UPDATE t SET b = '\\x5c01', d = d + 1 WHERE id = 3" || exit 99
env PGDATESTYLE='SQL, DMY' PGTZ=Europe/Amsterdam "$bin" diff --ndjson >run.ndjson
rc=$?
lines run.ndjson >actual.txt
cat >expected.txt <<'E'
t changed id=1 tz:1930-05-01 00:00:00+00->1930-05-01 00:00:00.000001+00;f:0.30000000000000004->0.3
t changed id=3 d:2000-02-29->2000-03-01;b:\x5c00->\x5c01
E
check "… a planted difference: exit 1" 1 $rc
same "… exactly its keys and fields, each value as ISO, UTC and full digits write it" expected.txt actual.txt
cd ..

# --- SQLite → PostgreSQL with the environment set otherwise: only the PostgreSQL side
# would see it
sqlite3 lite.db "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, ts TIMESTAMP, tz TEXT, f REAL, b BLOB, n NUMERIC);
    INSERT INTO t VALUES (1, '2024-05-01', '2024-05-01 10:00:00.5', '1930-05-01T00:00:00Z', 0.30000000000000004,
        x'00ff', 12.5), (2, '1999-12-31', '1999-12-31 23:59:59.999999', '2024-03-31 01:30:00+00:00', 5e-324, x'', -0.0001),
        (3, NULL, NULL, NULL, NULL, NULL, NULL);" || exit 99
createdb lt || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d lt -c "CREATE TABLE t (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz,
    f float8, b bytea, n numeric(12,4))" -c "INSERT INTO t VALUES (1, '2024-05-01', '2024-05-01 10:00:00.5',
    '1930-05-01 00:00:00+00', 0.1::float8 + 0.2, '\\x00ff', 12.5), (2, '1999-12-31', '1999-12-31 23:59:59.999999',
    '2024-03-31 01:30:00+00', 5e-324, '\\x', -0.0001), (3, NULL, NULL, NULL, NULL, NULL, NULL)" || exit 99
mkdir lite && cd lite || exit 99
"$bin" init --source sqlite:../lite.db --target dbname=lt >/dev/null || exit 99
# a business check whose target value depends on the session's time zone
cat >>cutover.ini <<'INI'
[check midnight]
source = SELECT strftime('%s', '2024-05-01 00:00:00')
target = SELECT extract(epoch FROM timestamptz '2024-05-01 00:00:00')::bigint
INI
clean "SQLite → PostgreSQL"
clean "… with PGDATESTYLE, PGTZ and PGOPTIONS set otherwise" PGDATESTYLE='SQL, DMY' PGTZ=Europe/Amsterdam \
    PGOPTIONS='-c extra_float_digits=0 -c bytea_output=escape'
psql -X -q -d lt -c "ALTER DATABASE lt SET datestyle = 'SQL, DMY'" -c "ALTER DATABASE lt SET timezone = 'Pacific/Chatham'"
clean "… with the target database set otherwise"
env PGTZ=Europe/Amsterdam "$bin" diff --json >run.json
check "… a business check's query runs in UTC too" "1714521600 1714521600 pass" \
    "$(jq -r '.checks[0] | "\(.source) \(.target) \(.status)"' run.json)"
cd ..

finish
