#!/bin/bash
# Keys in cutover diff: text keys in another collation, 64-bit integer keys,
# keys that repeat or come out of order, keys of another type on each side or
# transformed by the sheet, NULL keys, float, uuid, enum and timestamp keys, and
# tables without a key (a multiset of row hashes). Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-keys.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- text keys in another collation, and non-ASCII text -------------------------------
createdb words
psql -X -q -d words -c "CREATE TABLE word (w text COLLATE \"und-x-icu\" PRIMARY KEY, note text)" \
     -c "INSERT INTO word VALUES ('apple', 'x'), ('Banana', 'é'), ('_under', 'y'), ('Zebra', 'z'), ('école', 'ü'), ('ábc', 'ñ'), ('b', 'b')"
psql -X -At -d words -c "SELECT string_agg(w, ' ' ORDER BY w) FROM word" >icu.txt
[ "$(cat icu.txt)" != "$(psql -X -At -d words -c "SELECT string_agg(w, ' ' ORDER BY w COLLATE \"C\") FROM word")" ] &&
    ok "the ICU and C orders differ ($(cat icu.txt))" || not_ok "the ICU and C orders differ"
sqlite3 words.db "CREATE TABLE word (w TEXT PRIMARY KEY, note TEXT); INSERT INTO word VALUES ('apple', 'x'), ('Banana', 'é'), ('_under', 'y'), ('Zebra', 'z'), ('école', 'ü'), ('ábc', 'ñ'), ('b', 'b')"
clean_pair words sqlite:../words.db dbname=words "text keys and non-ASCII text: clean"
psql -X -q -d words -c "UPDATE word SET note = 'ö' WHERE w = 'école'; DELETE FROM word WHERE w = 'Banana'"
"$bin" diff --ndjson >run.ndjson
printf '%s\n' "word changed w=école note:ü->ö" "word missing w=Banana" >expected.txt
lines run.ndjson >actual.txt
same "text keys: exactly the change and the deletion" expected.txt actual.txt
cd ..

# --- integer keys read in binary are compared as numbers: the 64-bit extremes, negatives
# and zero must merge in the order SQLite gives them (a signed or width mistake breaks it)
sqlite3 ikeys.db "CREATE TABLE e (id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO e VALUES (-9223372036854775808, 'lo'), (-5, 'a'), (-1, 'b'), (0, 'c'), (1, 'd'),
        (4611686018427387904, 'e'), (9223372036854775807, 'hi')"
cp ikeys.db ikeys2.db
sqlite3 ikeys2.db "DELETE FROM e WHERE id IN (-1, 9223372036854775807);
    INSERT INTO e VALUES (-9223372036854775807, 'lo2'), (3, 'x');
    UPDATE e SET v = 'LO' WHERE id = -9223372036854775808; UPDATE e SET v = 'E' WHERE id = 4611686018427387904"
mkdir ikeys && cd ikeys
"$bin" init --source sqlite:../ikeys.db --target sqlite:../ikeys2.db >/dev/null || exit 99
for hash in 1 0; do  # probed (keys, then the changed rows verified) and read in full
    CUTOVER_DIFF_HASH=$hash "$bin" diff --ndjson >run.ndjson
    check "SQLite pair, 64-bit integer keys (CUTOVER_DIFF_HASH=$hash): each discrepancy in key order, keys exact" \
        "$([ $hash = 1 ] && echo 'extra -9223372036854775807|missing -1|extra 3|missing 9223372036854775807|changed -9223372036854775808|changed 4611686018427387904|' \
          || echo 'changed -9223372036854775808|extra -9223372036854775807|missing -1|extra 3|changed 4611686018427387904|missing 9223372036854775807|')" \
        "$(grep '"type":"discrepancy"' run.ndjson | sed -n 's/.*"kind":"\([a-z]*\)".*"key":{"id":\(-\{0,1\}[0-9]*\)}.*/\1 \2/p' | tr '\n' '|')"
done
cd ..

# --- keys that repeat or come out of order: reported, never hidden -------------------
sqlite3 dups.db "CREATE TABLE d (k INTEGER, v TEXT);
    INSERT INTO d VALUES (1, 'a'), (2, 'b'), (2, 'b2'), (3, 'c'), (5, 'e');
    CREATE TABLE o (k TEXT PRIMARY KEY, v TEXT); INSERT INTO o VALUES ('9', 'a'), ('10', 'b'), ('x', 'c')"
sqlite3 dups2.db "CREATE TABLE d (k INTEGER, v TEXT);
    INSERT INTO d VALUES (1, 'a'), (2, 'b'), (3, 'c'), (3, 'c'), (4, 'd'), (5, 'E');
    CREATE TABLE o (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO o VALUES (9, 'a'), (10, 'b')"
mkdir dups && cd dups
"$bin" init --source sqlite:../dups.db --target sqlite:../dups2.db >/dev/null || exit 99
sed -i 's/^; no primary key: add key = .*$/key = k/' cutover.ini  # d's key, by the plan
"$bin" diff --ndjson >run.ndjson
check "a key repeated on either side is a duplicate of that side; the rest compares on" \
    "d duplicate k=2 source|d duplicate k=3 target|d extra k=4|d changed k=5 v:e->E|" \
    "$(jq -r 'select(.type == "discrepancy" and .table == "d") | [.table, .kind,
        (.key | to_entries | map("\(.key)=\(.value)") | join(",")), (.side // ""),
        ((.fields // []) | map("\(.source):\(.source_value)->\(.target_value)") | join(";"))]
        | map(select(. != "")) | join(" ")' run.ndjson | tr '\n' '|')"
check "… counted in the table's result" '"duplicates":2' \
    "$(jq -c '.tables[]? | select(.table == "d") | {duplicates}' run.ndjson | tr -d '{}')"
check "a text key holding a value that is no integer, against an integer key, comes out of order: the table fails, saying where and why" \
    'error: source rows do not come in key order: {"k":9} after {"k":"x"} (key values of another type or form than the target key'"'"'s: cutover map lint names those that do not read as its type; a transform of the key can convert them)' \
    "$(jq -r '.tables[]? | select(.table == "o") | "\(.status): \(.error)"' run.ndjson)"
# x came first (CAST('x' AS NUMERIC) is 0), after it the target's 9 and 10 as extras and x as
# missing (NDJSON printed them) before the source's 9 showed the order broken: the table's
# counts are 0, the workspace keeps none of it, --json and text list none
"$bin" diff --json >run.json
check "… what it found before it failed is void: not counted, not kept, not listed" \
    "extra 0 / kept 0 / listed 0 / d's 4 listed" \
    "extra $(jq '.tables[] | select(.table == "o") | .extra' run.json) / kept $(sqlite3 \
    .cutover/state.db "SELECT count(*) FROM discrepancies WHERE tbl = 'o'") / listed $(jq \
    '[.discrepancies[] | select(.table == "o")] | length' run.json) / d's $(jq \
    '[.discrepancies[] | select(.table == "d")] | length' run.json) listed"
check "… and NDJSON had printed them as they came" "o extra k=10|o extra k=9|o missing k=x|" \
    "$(lines run.ndjson | grep '^o ' | tr '\n' '|')"
# a run of o alone fixes none of d's four: d was not compared, o failed
"$bin" diff --table o --ndjson >run-o.ndjson
check "… a run that left d out (--table) or failed on o fixes nothing of theirs" \
    "new 0 fixed 0 still open 0" \
    "$(jq -r 'select(.type == "summary") | .previous | "new \(.new) fixed \(.fixed) still open \(.still_open)"' run-o.ndjson)"
cd ..

# --- keys of another type on each side, or transformed by the sheet: the source is read
# and ordered as the target's key (text holding numbers as numbers, numbers into text as
# text), and a transform of a key column is the key
sqlite3 rekey.db "CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT);
    INSERT INTO t VALUES ('1', 'a'), ('2', 'b'), ('10', 'c'), ('9', 'd'), ('100', 'e');
    CREATE TABLE n (id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO n VALUES (1, 'a'), (2, 'b'), (10, 'c'), (9, 'd');
    CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT);
    INSERT INTO c VALUES ('a1', 'x'), ('b2', 'y'), ('Z9', 'z'), ('a10', 'w');
    CREATE TABLE o (id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO o VALUES (1, 'a'), (2, 'b'), (10, 'c'), (9, 'd')"
createdb rekey
psql -X -q -d rekey -c "CREATE TABLE t (id bigint PRIMARY KEY, name text)" \
    -c "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (10, 'c'), (9, 'd'), (100, 'e')" \
    -c "CREATE TABLE n (id text PRIMARY KEY, name text)" \
    -c "INSERT INTO n VALUES ('1', 'a'), ('2', 'b'), ('10', 'c'), ('9', 'd')" \
    -c "CREATE TABLE c (code text PRIMARY KEY, name text)" \
    -c "INSERT INTO c VALUES ('A1', 'x'), ('B2', 'y'), ('Z9', 'zz'), ('A10', 'w')" \
    -c "CREATE TABLE o (ref text PRIMARY KEY, v text)" \
    -c "INSERT INTO o VALUES ('O-1', 'a'), ('O-2', 'b'), ('O-10', 'c'), ('O-9', 'd'), ('O-11', 'e')"
mkdir rekey && cd rekey
"$bin" init --source sqlite:../rekey.db --target dbname=rekey >/dev/null || exit 99
check "init pairs o's key with the target's key" "o.id,o.ref" "$(grep -o '^o\.id,o\.ref' mapping.csv)"
sed -i "s/^c\.code,c\.code,,/c.code,c.code,upper(code),/; s/^o\.id,o\.ref,,/o.id,o.ref,'O-' || id,/" mapping.csv
psql -X -q -d rekey -c "UPDATE t SET name = 'C' WHERE id = 10"
"$bin" diff --ndjson >run.ndjson
check "text keys against bigint ones and integers against text ones compare in one order; transformed keys by their new values" \
    "c changed code=Z9 name:z->zz|o extra id=O-11|t changed id=10 name:c->C|" "$(lines run.ndjson | tr '\n' '|')"
check "… every row of each table met its other side" "c 4 4|n 4 4|o 4 5|t 5 5|" \
    "$(jq -r 'select(.type == "summary") | .tables[] | "\(.table) \(.source_rows) \(.target_rows)"' run.ndjson | sort | tr '\n' '|')"
# a rule that does not parse (a typo) is a malformed sheet: no run, rather than one that
# passes without comparing the field
sed -i 's/^\(t\.name,t\.name,,,\),/\1tolerence:1,/' mapping.csv
"$bin" diff >bad.out 2>bad.err
rc=$?
check "a misspelt rule refuses the run (exit 2), naming the sheet's line and the rules" \
    "2 cutover: mapping.csv:$(grep -n '^t\.name' mapping.csv | cut -d: -f1): unknown rule 'tolerence' (equal, ignore, ci, trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, null_rate:P%, regex:RE)" \
    "$rc $(cat bad.out bad.err)"
# a column the catalog does not have fails its table (the others are compared), rather than
# pass it without the field
sed -i 's/tolerence:1//; s/^t\.name,/t.nme,/' mapping.csv
"$bin" diff --json >bad.json 2>bad.err
rc=$?
check "a misspelt column fails its table, naming the sheet's line; the other tables compare; exit 2" \
    "c fail|n pass|o fail|t error mapping.csv:$(grep -n '^t\.nme' mapping.csv | cut -d: -f1): t.nme: no such column in the source|2 cutover: a table or check could not be compared as the plan and sheet say: its error is in the output" \
    "$(jq -r '.tables[] | "\(.table) \(.status)\(if .error then " " + .error else "" end)"' bad.json | sort | tr '\n' '|')$rc $(cat bad.err)"
# the key's row ignored (the Pilot's ids are not Production's): the table needs another key
sed -i 's/^t\.nme,/t.name,/; s/^\(t\.id,t\.id,,,\),/\1ignore,/' mapping.csv
"$bin" diff --table t --json >bad.json
check "an ignored key column says the table needs a key that is compared" \
    "table t: the row of its key column id has the rule ignore (mapping.csv:$(grep -n '^t\.id' mapping.csv | cut -d: -f1)): rows are matched by their key, so give the table one that is compared (key = … in [table t])" \
    "$(jq -r '.tables[0].error' bad.json)"
cd ..
# the other way, PostgreSQL → SQLite: the bigint key read as text, the text key as numbers
mkdir rekey-back && cd rekey-back
"$bin" init --source dbname=rekey --target sqlite:../rekey.db >/dev/null || exit 99
"$bin" diff --table t --table n --ndjson >run.ndjson
check "PostgreSQL keys ordered as SQLite's of another type: only the row changed" \
    "t changed id=10 name:C->c|" "$(lines run.ndjson | tr '\n' '|')"
cd ..
# a PostgreSQL text key holding a value that is no number, against an integer key: its
# cast fails the table's query, which says it is the key's
createdb textkey && psql -X -q -d textkey -c "CREATE TABLE o (k text PRIMARY KEY, v text)" \
    -c "INSERT INTO o VALUES ('9', 'a'), ('x', 'b')" || exit 99
sqlite3 textkey.db "CREATE TABLE o (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO o VALUES (9, 'a')"
mkdir textkey && cd textkey
"$bin" init --source dbname=textkey --target sqlite:../textkey.db >/dev/null || exit 99
"$bin" diff --json >run.json
check "a PostgreSQL text key that is no number, against an integer key: the table fails, naming the key" \
    'error: dbname=textkey: ERROR:  invalid input syntax for type numeric: "x" (SQLSTATE 22P02) (o'"'"'s key k is read as a number, the target'"'"'s key type: it holds text that is not one; cutover map lint names such values, and a transform of the key can convert them)' \
    "$(jq -r '.tables[] | select(.table == "o") | "\(.status): \(.error)"' run.json)"
cd ..

# --- a NULL in a key equals only NULL and comes first on both engines ----------------
sqlite3 nullkey.db "CREATE TABLE t (k TEXT, v TEXT); INSERT INTO t VALUES ('x', 'a'), (NULL, 'n'), ('', 'e')"
createdb nullkey
psql -X -q -d nullkey -c "CREATE TABLE t (k text, v text)" \
    -c "INSERT INTO t VALUES ('x', 'a'), (NULL, 'n'), ('', 'e')"
mkdir nullkey && cd nullkey
"$bin" init --source sqlite:../nullkey.db --target dbname=nullkey >/dev/null || exit 99
sed -i 's/^; no primary key: add key = .*$/key = k/' cutover.ini
"$bin" diff --ndjson >run.ndjson
rc=$?
check "a NULL key on both engines (PostgreSQL puts NULL last unless told): clean" "0 1" \
    "$rc $(wc -l <run.ndjson)"
psql -X -q -d nullkey -c "DELETE FROM t WHERE k IS NULL" -c "UPDATE t SET v = 'n' WHERE k = ''"
"$bin" diff --ndjson >run.ndjson
check "… a NULL key is not the empty one: missing k=null, and '' changed" \
    't changed k= v:e->n|t missing k=null|' "$(lines run.ndjson | tr '\n' '|')"
cd ..

# --- REAL and float8 keys, in numeric order on both engines ---------------------------
sqlite3 fkey.db "CREATE TABLE t (k REAL PRIMARY KEY, v TEXT);
    INSERT INTO t VALUES (1.5, 'a'), (10.25, 'b'), (2, 'c'), (-3, 'd'), (0.1, 'e'), (1e20, 'f'), (-0.5, 'g')"
createdb fkey
psql -X -q -d fkey -c "CREATE TABLE t (k float8 PRIMARY KEY, v text)" \
    -c "INSERT INTO t VALUES (1.5, 'a'), (10.25, 'b'), (2, 'c'), (-3, 'd'), (0.1, 'e'), (1e20, 'f'), (-0.5, 'g')"
clean_pair fkey sqlite:../fkey.db dbname=fkey "float keys (10.25 after 2, -3 before -0.5): clean"
cd ..

# --- uuid and enum keys on PostgreSQL (no collation of their own; an enum's order is
# its declaration's, not its text's)
sqlite3 ukey.db "CREATE TABLE u (k TEXT PRIMARY KEY, v TEXT); CREATE TABLE e (k TEXT PRIMARY KEY, v TEXT);
    INSERT INTO u VALUES ('6f1c0e9a-1b2c-4d5e-8f90-aabbccddeeff', 'a'),
        ('00000000-0000-4000-8000-000000000001', 'b'), ('a0000000-0000-4000-8000-000000000002', 'c'),
        ('B0000000-0000-4000-8000-00000000000D', 'd');
    INSERT INTO e VALUES ('sad', '1'), ('ok', '2'), ('happy', '3')"
createdb ukey
psql -X -q -d ukey -c "CREATE TABLE u (k uuid PRIMARY KEY, v text)" \
    -c "INSERT INTO u VALUES ('6f1c0e9a-1b2c-4d5e-8f90-aabbccddeeff', 'a'),
        ('00000000-0000-4000-8000-000000000001', 'b'), ('a0000000-0000-4000-8000-000000000002', 'c'),
        ('b0000000-0000-4000-8000-00000000000d', 'd')" \
    -c "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')" -c "CREATE TABLE e (k mood PRIMARY KEY, v text)" \
    -c "INSERT INTO e VALUES ('sad', '1'), ('ok', '2'), ('happy', '3')"
clean_pair ukey sqlite:../ukey.db dbname=ukey \
    "uuid keys and enum keys against text (an upper-case uuid among lower-case ones): clean"
cd ..
createdb ukeytext
psql -X -q -d ukeytext -c "CREATE TABLE u (k text PRIMARY KEY, v text)" \
    -c "INSERT INTO u SELECT k::text, v FROM (VALUES ('6f1c0e9a-1b2c-4d5e-8f90-aabbccddeeff', 'a'),
        ('00000000-0000-4000-8000-000000000001', 'b'), ('a0000000-0000-4000-8000-000000000002', 'c'),
        ('B0000000-0000-4000-8000-00000000000D', 'd')) AS x(k, v)"
clean_pair ukeytext dbname=ukeytext dbname=ukey \
    "… and PostgreSQL text holding uuids in both cases against uuid: clean"
cd ..
# … and SQLite keeping uuids as their 16 bytes, key and field: bytes 0x41–0x5A are
# letters to lower(), which must not reorder them (0x5a… before 0x60…)
sqlite3 ublob.db "CREATE TABLE u (k BLOB PRIMARY KEY, v TEXT, ref BLOB);
    INSERT INTO u VALUES (x'5a000000000040008000000000000001', 'a', x'00112233445566778899aabbccddeeff'),
        (x'60000000000040008000000000000002', 'b', NULL), (x'41000000000040008000000000000003', 'c', NULL)"
createdb ublob
psql -X -q -d ublob -c "CREATE TABLE u (k uuid PRIMARY KEY, v text, ref uuid)" \
    -c "INSERT INTO u VALUES ('5a000000-0000-4000-8000-000000000001', 'a', '00112233-4455-6677-8899-aabbccddeeff'),
        ('60000000-0000-4000-8000-000000000002', 'b', NULL), ('41000000-0000-4000-8000-000000000003', 'c', NULL)"
clean_pair ublob sqlite:../ublob.db dbname=ublob "… and uuids as SQLite's 16-byte BLOBs, key and field: clean"
cd ..

# --- timestamp keys held as text by SQLite in several forms and zones: their text
# order is not their instants' (09:00 before T09:30Z before T10:00+02:00, which is 08:00)
sqlite3 tkey.db "CREATE TABLE e (at TIMESTAMP PRIMARY KEY, v INTEGER);
    INSERT INTO e VALUES ('2024-01-01T10:00:00+02:00', 1), ('2024-01-01 09:00:00', 2),
        ('2024-01-01T09:30:00.250Z', 3), ('2024-01-01 11:00:00+01:00', 4), ('2024-01-02', 5),
        ('2023-12-31T23:59:59.999999', 6), ('not a date', 7)"
createdb tkey
psql -X -q -d tkey -c "CREATE TABLE e (at timestamptz PRIMARY KEY, v int)" \
    -c "INSERT INTO e VALUES ('2024-01-01 08:00:00+00', 1), ('2024-01-01 09:00:00+00', 2),
        ('2024-01-01 10:00:00+00', 4), ('2024-01-02 00:00:00+00', 5), ('2023-12-31 23:59:59.999999+00', 6)"
mkdir tkey && cd tkey && "$bin" init --source sqlite:../tkey.db --target dbname=tkey >/dev/null
"$bin" diff --ndjson >run.ndjson
check "timestamp keys in mixed forms and zones: in instant order; missing, as written, the row
    the target lacks and the one that is no instant" \
    "e missing at=2024-01-01T09:30:00.250Z
e missing at=not a date|" "$(lines run.ndjson)|$(jq -r 'select(.type == "summary") |
        .tables[0].error // empty' run.ndjson)"
cd ..

# --- a table without a key: a multiset of row hashes ----------------------------------
sqlite3 nokey.db "CREATE TABLE n (a INTEGER, b TEXT, c REAL);
    INSERT INTO n VALUES (1, 'x', 0.5), (2, 'y', NULL), (2, 'y', NULL), (3, 'z', 1.5), (4, 'w', 2.0)"
sqlite3 nokey2.db "CREATE TABLE n (a INTEGER, b TEXT, c REAL);
    INSERT INTO n VALUES (4, 'w', 2.0), (2, 'y', NULL), (3, 'z', 1.5), (2, 'y', NULL), (1, 'x', 0.5)"
clean_pair nokey sqlite:../nokey.db sqlite:../nokey2.db \
    "no key: the same rows in another order, a repeated row included: clean"
check "… the table marked no_key" "true 5 5" \
    "$(jq -r '.tables[0] | "\(.no_key) \(.source_rows) \(.target_rows)"' run.ndjson)"
sqlite3 ../nokey2.db "DELETE FROM n WHERE rowid = (SELECT max(rowid) FROM n WHERE a = 2);
    UPDATE n SET b = 'Z' WHERE a = 3; INSERT INTO n VALUES (5, 'v', NULL)"
"$bin" diff --ndjson >run.ndjson
check "no key: one copy of a repeated row gone and a row changed are missing, the changed and the new rows extra" \
    "extra 2|missing 2|" \
    "$(jq -r 'select(.type == "discrepancy") | .kind' run.ndjson | sort | uniq -c | awk '{ print $2, $1 }' | tr '\n' '|')"
check "… each named by its row's hash (16 hex digits), four different ones" "4 4" \
    "$(jq -r 'select(.type == "discrepancy") | .key.row_hash' run.ndjson | grep -cE '^[0-9a-f]{16}$') $(jq -r 'select(.type == "discrepancy") | .key.row_hash' run.ndjson | sort -u | wc -l)"
cd ..
createdb nokey
psql -X -q -d nokey -c "CREATE TABLE n (a integer, b text, c double precision)" \
    -c "INSERT INTO n VALUES (3, 'z', 1.5), (2, 'y', NULL), (1, 'x', 0.5), (4, 'w', 2), (2, 'y', NULL)"
clean_pair nokeypg sqlite:../nokey.db dbname=nokey \
    "no key across engines (REAL and float8, 2.0 and 2): the same hashes, clean"
cd ..

finish
