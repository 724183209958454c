#!/bin/bash
# Hashed probes: SQLite pairs and PostgreSQL pairs read as keys and a hash of
# each row, computed by SQLite (tests/sqlite_log.c shows the statements) or by
# the servers (log_statement shows them); only the keys whose hashes differ are
# read in full. The expected sets come from this test's own SQL, and
# CUTOVER_DIFF_HASH=0 must say the same. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-hashed.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- a SQLite pair keyed on non-null integers or text: each side is read as its
# keys and cutover_row_hash() of the row's fields, which SQLite computes; only the
# keys whose hashes differ are read in full, 500 a query, or the whole table again
# when more than 20,000 differ. A nullable key (z) is read in full. The expected set
# is this test's own SQL (the files attached, each column IS NOT the other), and
# CUTOVER_DIFF_HASH=0 must say the same. 5 and 5.0 in an untyped column hash apart
# but compare equal: read again, not reported. In rollback-journal mode each probed
# table is read in a transaction of its own; in WAL mode the run's snapshot serves.
# The statements are seen through tests/sqlite_log.c, preloaded.
mkdir lite-hash && cd lite-hash || exit 99
${CC:-cc} -Wall -Wextra -Werror -shared -fPIC -o sqlite_log.so "$CUTOVER_SRCDIR/tests/sqlite_log.c" -ldl || exit 99
for db in hs.db ht.db; do
    sqlite3 $db "CREATE TABLE h (k INTEGER PRIMARY KEY, i INTEGER, s TEXT, n NUMERIC, f REAL, b BLOB, at TEXT, x);
        WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 3000)
        INSERT INTO h SELECT x, x * 7 - 700, 'tëxt ' || x, x / 8.0, x / 3.0, CAST(x'01' || x AS BLOB),
            datetime('2024-01-01 00:00:00', '+' || (x * 90) || ' seconds'), x % 10 FROM g;
        CREATE TABLE w (k TEXT PRIMARY KEY NOT NULL, v TEXT);
        WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 500)
        INSERT INTO w SELECT 'k' || x, 'välue ' || x FROM g;
        CREATE TABLE c (a INTEGER NOT NULL, b TEXT NOT NULL, v INTEGER, PRIMARY KEY (a, b));
        WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 30000)
        INSERT INTO c SELECT x % 50, 'b' || x, x FROM g;
        CREATE TABLE z (k TEXT PRIMARY KEY, v INTEGER);
        WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 100)
        INSERT INTO z SELECT 'z' || x, x FROM g" || exit 99
done
sqlite3 hs.db "UPDATE h SET s = '1.1' WHERE k = 18" || exit 99
sqlite3 ht.db "UPDATE h SET x = 5.0 WHERE k = 5; UPDATE h SET i = -i WHERE k = 10;
    UPDATE h SET s = 'tëxt changed' WHERE k = 11; UPDATE h SET s = NULL WHERE k = 12;
    UPDATE h SET f = f + 0.5 WHERE k = 13; UPDATE h SET b = x'00' WHERE k = 14;
    UPDATE h SET at = datetime(at, '+1 second') WHERE k = 15; UPDATE h SET n = n + 0.01 WHERE k = 16;
    UPDATE h SET b = 'text', i = 0 WHERE k = 17; UPDATE h SET s = '1.10' WHERE k = 18;
    DELETE FROM h WHERE k IN (30, 31); INSERT INTO h (k, i) VALUES (9999, 1);
    UPDATE h SET i = -i WHERE k BETWEEN 1001 AND 2200;
    UPDATE w SET v = 'välue five' WHERE k = 'k5'; DELETE FROM w WHERE k = 'k7';
    INSERT INTO w VALUES ('ä1', 'new'); UPDATE c SET v = v + 1 WHERE v <= 25000;
    UPDATE z SET v = 0 WHERE k = 'z9'" || exit 99
sqlite3 hs.db "ATTACH 'ht.db' AS t;
    SELECT 'h missing k=' || s.k FROM h s WHERE s.k NOT IN (SELECT k FROM t.h)
    UNION ALL SELECT 'h extra k=' || k FROM t.h WHERE k NOT IN (SELECT k FROM main.h)
    UNION ALL SELECT 'h changed k=' || s.k || ' ' || substr($(for c in i s n f b at x; do
        printf "CASE WHEN s.%s IS NOT t.%s THEN ',%s' ELSE '' END || " "$c" "$c" "$c"; done | sed 's/ || $//'), 2)
        FROM h s JOIN t.h t USING (k) WHERE $(for c in i s n f b at x; do
        printf "s.%s IS NOT t.%s OR " "$c" "$c"; done | sed 's/ OR $//')
    UNION ALL SELECT 'w missing k=' || k FROM w WHERE k NOT IN (SELECT k FROM t.w)
    UNION ALL SELECT 'w extra k=' || k FROM t.w WHERE k NOT IN (SELECT k FROM main.w)
    UNION ALL SELECT 'w changed k=' || k || ' v' FROM w s JOIN t.w t USING (k) WHERE s.v IS NOT t.v
    UNION ALL SELECT 'c changed a=' || a || ',b=' || b || ' v' FROM c s JOIN t.c t USING (a, b)
        WHERE s.v IS NOT t.v
    UNION ALL SELECT 'z changed k=' || k || ' v' FROM z s JOIN t.z t USING (k) WHERE s.v IS NOT t.v" |
    sort >expected.txt
"$bin" init --source sqlite:hs.db --target sqlite:ht.db >/dev/null || exit 99
in_a_line() { tr '\n' ' ' | sed 's/ $//'; }
check "the pair's expected set: 1,209 changed, 2 missing, 1 extra in h; 1 changed, 1 missing, 1 extra in w; 25,000 in c; 1 in z" \
    "1209 2 1 1 1 1 25000 1" "$(for p in 'h changed' 'h missing' 'h extra' 'w changed' 'w missing' 'w extra' 'c changed' 'z changed'; do
    grep -c "^$p" expected.txt; done | in_a_line)"
lite_diff() {  # lite_diff OUT [ENV…]: cutover diff --ndjson >OUT, its SQLite statements in OUT.sql
    local out=$1
    shift
    rm -f "$out.sql"
    env "$@" CUTOVER_TEST_SQLITE_LOG="$PWD/$out.sql" LD_PRELOAD="$PWD/sqlite_log.so" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$bin" diff --ndjson >"$out"
}
# statements LOG FILE PATTERN: how many of FILE's statements in LOG match PATTERN (grep -E)
statements() { grep -E "^$2 $3" "$1" | wc -l; }
lite_diff run.ndjson
rc=$?
keyed run.ndjson >actual.txt
[ $rc = 1 ] && same "hashed by SQLite: exactly those keys, kinds and fields (exit 1)" \
    expected.txt actual.txt || not_ok "hashed by SQLite: exit 1" "exit $rc"
check "… h, w and c read as keys and a hash on each side (z in full), h's 1,210 keys verified in 3 queries a side, c read again in full" \
    "3 3 1 1 3 3 1 1 0" "$( {
    for f in hs.db ht.db; do statements run.ndjson.sql $f 'SELECT .*cutover_row_hash\('; done
    for f in hs.db ht.db; do statements run.ndjson.sql $f 'SELECT "k", "v" FROM "main"."z" ORDER BY'; done
    for f in hs.db ht.db; do statements run.ndjson.sql $f 'SELECT .* FROM "main"."h" WHERE \("k" IN \('; done
    for f in hs.db ht.db; do statements run.ndjson.sql $f 'SELECT "a", "b", "v" FROM "main"."c" ORDER BY'; done
    statements run.ndjson.sql hs.db '.*cutover_row_hash\("v"\) FROM "main"."z"'; } | in_a_line)"
check "… in rollback-journal mode, each probed table in a read transaction of its own on each side, rolled back" \
    "3 3 0 3 3 0" "$(for f in hs.db ht.db; do statements run.ndjson.sql $f 'BEGIN$'
    statements run.ndjson.sql $f 'ROLLBACK$'; statements run.ndjson.sql $f 'COMMIT$'; done | in_a_line)"
lite_diff full.ndjson CUTOVER_DIFF_HASH=0
keyed full.ndjson >actual.txt
same "CUTOVER_DIFF_HASH=0, every row read in full: the same" expected.txt actual.txt
check "… and the same totals, no hash asked for" \
    "$(jq -c 'select(.type == "summary") | .tables | map(del(.strategy, .received))' run.ndjson) 0" \
    "$(jq -c 'select(.type == "summary") | .tables | map(del(.strategy, .received))' full.ndjson) $(grep -c cutover_row_hash full.ndjson.sql)"
check "… each table saying how it was compared" "probe probe probe full|full full full full" \
    "$(jq -r 'select(.type == "summary") | [.tables[].strategy] | join(" ")' run.ndjson)|$(jq -r 'select(.type == "summary") | [.tables[].strategy] | join(" ")' full.ndjson)"
[ "$(sqlite3 hs.db 'PRAGMA journal_mode = WAL')" = wal ] || exit 99
lite_diff wal.ndjson
keyed wal.ndjson >actual.txt
same "the source in WAL mode: the same" expected.txt actual.txt
check "… read in the run's one snapshot there (one BEGIN), the target still a table at a time" \
    "1 1 3 3" "$(for f in hs.db ht.db; do statements wal.ndjson.sql $f 'BEGIN$'; statements wal.ndjson.sql $f 'ROLLBACK$'; done | in_a_line)"
cd ..

log=${CUTOVER_PGDATA:?}/../server.log  # the server's log, log_statement = 'all' below
# --- a PostgreSQL pair of one schema, every field `equal`: each side is read as its
# keys and one hash of the row's fields, which its server computes; only the keys
# whose hashes differ are read in full, 500 a query, or the whole table again when
# more than 20,000 differ. The expected set is this test's own SQL (a join, each
# column IS DISTINCT FROM the other), and CUTOVER_DIFF_HASH=0 (every row read in
# full) must say the same. Equal values in other bytes (1.1 and 1.10, -0 and 0)
# hash alike: not read again.
createdb hsa && createdb hsb || exit 99
for db in hsa hsb; do
    psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE TABLE h (k text PRIMARY KEY, i2 smallint, i4 int, i8 bigint, s text,
        vc varchar(20), n numeric, f float8, r real, ok boolean, d date, ts timestamp, tz timestamptz, u uuid)" \
        -c "INSERT INTO h SELECT 'k' || g, g % 300, g * 7, g::bigint * 1000000007, 'tëxt ' || g, 'v' || g, g / 8.0,
            g / 3.0, g / 7.0, g % 2 = 0, date '2024-01-01' + g, timestamp '2024-01-01' + g * interval '1.5 s',
            timestamptz '2024-01-01 00:00:00+00' + g * interval '90 min', md5(g::text)::uuid
            FROM generate_series(1, 3000) g" \
        -c "CREATE TABLE c (a int NOT NULL, b text NOT NULL, v int, PRIMARY KEY (a, b))" \
        -c "INSERT INTO c SELECT g % 50, 'b' || g, g FROM generate_series(1, 30000) g" || exit 99
done
psql -X -q -v ON_ERROR_STOP=1 -d hsa -c "UPDATE h SET n = 1.1 WHERE k = 'k1'; UPDATE h SET f = 0 WHERE k = 'k2';
    UPDATE h SET s = NULL WHERE k = 'k23'" || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d hsb -c "UPDATE h SET n = 1.10 WHERE k = 'k1'; UPDATE h SET f = '-0' WHERE k = 'k2';
    UPDATE h SET i2 = -i2 WHERE k = 'k10'; UPDATE h SET i4 = 0 WHERE k = 'k11';
    UPDATE h SET i8 = i8 + 1 WHERE k = 'k12'; UPDATE h SET s = 'text 13' WHERE k = 'k13';
    UPDATE h SET vc = 'V14' WHERE k = 'k14'; UPDATE h SET n = n + 0.01 WHERE k = 'k15';
    UPDATE h SET f = f * 2 WHERE k = 'k16'; UPDATE h SET r = 0.5 WHERE k = 'k17';
    UPDATE h SET ok = NOT ok WHERE k = 'k18'; UPDATE h SET d = NULL WHERE k = 'k19';
    UPDATE h SET ts = ts + interval '1 s' WHERE k = 'k20'; UPDATE h SET tz = tz + interval '1 microsecond' WHERE k = 'k21';
    UPDATE h SET u = md5('x')::uuid WHERE k = 'k22'; UPDATE h SET s = 'x', i4 = 1 WHERE k = 'k24';
    DELETE FROM h WHERE k IN ('k30', 'k31'); INSERT INTO h (k, i4) VALUES ('k9999', 1);
    UPDATE h SET i4 = -i4 WHERE substr(k, 2)::int BETWEEN 1001 AND 2200;
    UPDATE c SET v = v + 1 WHERE v <= 25000" || exit 99
mkdir hashed && cd hashed || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d hsa -c "CREATE TABLE ht (LIKE h); CREATE TABLE ct (LIKE c)" || exit 99
for t in h c; do
    psql -X -q -v ON_ERROR_STOP=1 -d hsb -c "COPY $t TO STDOUT" | psql -X -q -v ON_ERROR_STOP=1 -d hsa -c "COPY ${t}t FROM STDIN" || exit 99
done
cols="i2 i4 i8 s vc n f r ok d ts tz u"
psql -X -At -d hsa -c "
    SELECT 'h missing k=' || s.k FROM h s LEFT JOIN ht t USING (k) WHERE t.k IS NULL AND s.k <> 'k31'
    UNION ALL SELECT 'h extra k=' || t.k FROM ht t LEFT JOIN h s USING (k) WHERE s.k IS NULL
    UNION ALL SELECT 'h changed k=' || k || ' ' || concat_ws(',', $(for c in $cols; do
        printf "CASE WHEN s.%s IS DISTINCT FROM t.%s THEN '%s' END, " "$c" "$c" "$c"; done | sed 's/, $//'))
        FROM h s JOIN ht t USING (k)
        WHERE ($(echo "s.$cols" | sed 's/ / s./g; s/ /, /g')) IS DISTINCT FROM ($(echo "t.$cols" | sed 's/ / t./g; s/ /, /g'))
    UNION ALL SELECT 'c changed a=' || a || ',b=' || b || ' v' FROM c s JOIN ct t USING (a, b)
        WHERE s.v IS DISTINCT FROM t.v" | sort >expected.txt
"$bin" init --source dbname=hsa --target dbname=hsb >/dev/null || exit 99
sed -i '/^\[table h\]/a where = k <> '"'k31'" cutover.ini
for db in hsa hsb; do psql -X -q -d $db -c "ALTER DATABASE $db SET log_statement = 'all'"; done
from=$(wc -l <"$log")
"$bin" diff --ndjson >run.ndjson
rc=$?
tail -n +"$((from + 1))" "$log" >run.log
keyed run.ndjson >actual.txt
check "the pair's expected set: 15 changed, 1,200 more, 1 missing, 1 extra in h; 25,000 in c" \
    "1215 1 1 25000" "$(grep -c '^h changed' expected.txt) $(grep -c '^h missing' expected.txt) $(
    grep -c '^h extra' expected.txt) $(grep -c '^c changed' expected.txt)"
[ $rc = 1 ] && same "hashed by the servers: exactly those keys, kinds and fields (exit 1)" \
    expected.txt actual.txt || not_ok "hashed by the servers: exit 1" "exit $rc"
check "… each side read as keys and a hash (both tables), h's 1,215 keys verified in 3 queries a side, c read again in full" \
    "4 6 2" "$(grep -c 'execute <unnamed>: COPY (SELECT .*, coalesce(hash' run.log) $(
    grep -c 'execute <unnamed>: COPY (SELECT .* FROM "public"."h" WHERE .*"k" IN (' run.log) $(
    grep -c 'execute <unnamed>: COPY (SELECT "a", "b", "v" FROM "public"."c" ORDER BY' run.log)"
CUTOVER_DIFF_HASH=0 "$bin" diff --ndjson >full.ndjson
keyed full.ndjson >actual.txt
same "CUTOVER_DIFF_HASH=0, every row read in full: the same" expected.txt actual.txt
check "… and the same totals" "$(jq -c 'select(.type == "summary") | .tables | map(del(.strategy, .received))' run.ndjson)" \
    "$(jq -c 'select(.type == "summary") | .tables | map(del(.strategy, .received))' full.ndjson)"
for db in hsa hsb; do psql -X -q -d $db -c "ALTER DATABASE $db RESET log_statement"; done
cd ..

finish
