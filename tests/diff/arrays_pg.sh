#!/bin/bash
# PostgreSQL's arrays, ranges and money in cutover diff and map lint: a
# PostgreSQL pair element by element, SQLite's JSON or literal text into
# arrays, REAL into money, lint's findings on them, and business checks
# summing money. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-arrays.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- PostgreSQL's arrays, ranges and money. An array compares element by element in
# its elements' kind (numeric[] 1.10 = 1.1), whether it comes as PostgreSQL's literal or
# (from SQLite) as JSON text; money as the number it holds, not lc_monetary's "$1,234.50";
# a range as its text (not as an integer or a date, which int4range and daterange
# contain). None of them is an error for lint.
createdb arra && createdb arrb || exit 99
psql -X -q -d arra -c "CREATE TABLE a (id int PRIMARY KEY, price money, tags text[], nums numeric(6,2)[],
    grid int[], r int4range, d daterange, codes varchar(3)[])" \
    -c "INSERT INTO a SELECT g, g * 1000.5, ARRAY['a b', 'c,d', 'e\"f', NULL, 'NULL'], ARRAY[g / 4.0, 2],
        ARRAY[[g, 2], [3, 4]], int4range(g, g + 5), daterange('2024-01-01', '2024-02-01'), '{abc,de}'
        FROM generate_series(1, 20) g"
psql -X -q -d arrb -c "CREATE TABLE a (id int PRIMARY KEY, price money, tags text[], nums numeric[],
    grid bigint[], r int4range, d daterange, codes varchar(3)[])" \
    -c "INSERT INTO a SELECT g, g * 1000.5, ARRAY['a b', 'c,d', 'e\"f', NULL, 'NULL'], ARRAY[g / 4.0, 2.000],
        ARRAY[[g, 2], [3, 4]], int4range(g, g + 5), daterange('2024-01-01', '2024-02-01'), '{abc,de}'
        FROM generate_series(1, 20) g"
clean_pair arrays dbname=arra dbname=arrb \
    "PostgreSQL pair, arrays (numeric(6,2)[] beside numeric[]), ranges, money: clean"
"$bin" map lint --json >lint.json
check "… lint finds nothing wrong with them (the rows' owners aside)" "0 0" "$(nothing_but_owners)"
psql -X -q -d arrb -c "UPDATE a SET price = price + 0.01::money WHERE id = 2;
    UPDATE a SET nums[1] = 0.76 WHERE id = 3; UPDATE a SET tags[4] = '' WHERE id = 4;
    UPDATE a SET tags[5] = NULL WHERE id = 5; UPDATE a SET grid = '{{2,6},{3,4}}' WHERE id = 6;
    UPDATE a SET r = int4range(7, 13) WHERE id = 7; UPDATE a SET tags = '{\"a b,c,d\"}' WHERE id = 8;
    UPDATE a SET grid = '[0:1][1:2]={{9,2},{3,4}}' WHERE id = 9"
"$bin" diff --ndjson >run.ndjson
lines run.ndjson >actual.txt
{
    echo "a changed id=2 price:2001->2001.01"
    echo "a changed id=3 nums:{0.75,2.00}->{0.76,2.000}"
    printf '%s\n' 'a changed id=4 tags:{"a b","c,d","e\"f",NULL,"NULL"}->{"a b","c,d","e\"f","","NULL"}' \
        'a changed id=5 tags:{"a b","c,d","e\"f",NULL,"NULL"}->{"a b","c,d","e\"f",NULL,NULL}'
    echo "a changed id=6 grid:{{6,2},{3,4}}->{{2,6},{3,4}}"
    echo "a changed id=7 r:[7,12)->[7,13)"
    printf '%s\n' 'a changed id=8 tags:{"a b","c,d","e\"f",NULL,"NULL"}->{"a b,c,d"}'
    echo "a changed id=9 grid:{{9,2},{3,4}}->[0:1][1:2]={{9,2},{3,4}}"
} >expected.txt
same "PostgreSQL pair: exactly the changed money, elements, ranges and array bounds" \
    expected.txt actual.txt
cd ..
# SQLite → PostgreSQL: the pilot keeps lists as JSON or as PostgreSQL's literal, prices as REAL
sqlite3 arrays.db "CREATE TABLE a (id INTEGER PRIMARY KEY, price REAL, tags TEXT, nums TEXT,
    grid TEXT, r TEXT, d TEXT, codes TEXT);
    INSERT INTO a VALUES (1, 1000.5, '[\"a b\", \"c,d\", \"e\\\"f\", null, \"NULL\"]', '[0.25, 2]',
        '{{1,2},{3,4}}', '[1,6)', '[2024-01-01,2024-02-01)', '[\"abc\",\"de\"]')"
psql -X -q -d arrb -c "DELETE FROM a WHERE id > 1"
clean_pair lite-arrays sqlite:../arrays.db dbname=arrb \
    "SQLite → PostgreSQL: JSON and literal text into arrays, REAL into money: clean"
"$bin" map lint --json >lint.json
check "… lint finds nothing wrong with them (the rows' owners aside)" "0 0" "$(nothing_but_owners)"
sqlite3 ../arrays.db "UPDATE a SET grid = '{{1,x},{3,4}}', codes = 'abc'"
"$bin" map lint --json >lint.json
check "… an element that is no integer, and text that is no array: lint names them" \
    "$(printf '%s\n' 'not_parsable a.grid 1 rows will not read as an array of its type for a.grid (bigint[])' \
        'not_parsable a.codes 1 rows will not read as an array of its type for a.codes (character varying(3)[])')" \
    "$(jq -r '.findings[] | select(.code != "no_owner") | "\(.code) \(.target) \(.message)"' lint.json)"
sqlite3 ../arrays.db "UPDATE a SET grid = '{{1,2},{3,4}}', codes = '[0:1]={abc,défi}'"
"$bin" map lint --json >lint.json
check "… an element longer than varchar(3) (in characters, not bytes), bounds or not" \
    "too_long a.codes 1 rows have elements longer than a.codes's 3 characters (longest 4) défi" \
    "$(jq -r '.findings[] | select(.code != "no_owner") | "\(.code) \(.target) \(.message) \(.examples[0])"' lint.json)"
# a business check summing money on the target: PostgreSQL writes "$1,000.50" (cutover's
# sessions fix lc_monetary to C), which is the number 1000.5
printf '[check revenue]\nsource = SELECT sum(price) FROM a\ntarget = SELECT sum(price) FROM a\ntolerance = 0\n' \
    >>cutover.ini
"$bin" diff --ndjson >run.ndjson
check "… a check summing money against a REAL passes" '{"name":"revenue","source":1000.5,"target":"$1,000.50","status":"pass"}' \
    "$(jq -c 'select(.type == "summary") | .checks[0]' run.ndjson)"
psql -X -q -d arrb -c "UPDATE a SET price = price + 0.01::money"
"$bin" diff --ndjson >run.ndjson
check "… and fails a cent off" '{"name":"revenue","source":1000.5,"target":"$1,000.51","status":"fail"}' \
    "$(jq -c 'select(.type == "summary") | .checks[0]' run.ndjson)"
cd ..

finish
