#!/bin/bash
# cutover diff on Chinook, SQLite → PostgreSQL and the other engine pairs.
# The genuine differences between the two published versions are derived here
# independently (each engine's own client, rows printed the same way, then
# diff); cutover must report exactly those and nothing else. Then the target
# is changed in known ways and the NDJSON must name exactly those keys, kinds
# and fields. Run by tests/harness.sh (PostgreSQL with Chinook loaded).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
sqlite_chinook=${CUTOVER_CHINOOK_SQLITE:-}
if [ -z "$sqlite_chinook" ] || [ -z "${PGHOST:-}" ]; then echo "no Chinook or no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

keyed() {  # discrepancies as lines: table kind key [source fields]
    jq -r 'select(.type == "discrepancy") | [.table, .kind,
           (.key | to_entries | map("\(.key)=\(.value)") | join(",")),
           ((.fields // []) | map(.source) | join(","))] | join(" ")' "$1" | sed 's/ $//' | sort
}

# clean_pair DIR SOURCE TARGET LABEL: a plan for the pair in DIR (entered), whose
# first diff must be clean
clean_pair() {
    mkdir "$1" && cd "$1" || exit 99
    "$bin" init --source "$2" --target "$3" >/dev/null || exit 99
    "$bin" diff --ndjson >run.ndjson
    local rc=$?
    [ $rc = 0 ] && [ "$(wc -l <run.ndjson)" = 1 ] && ok "$4" ||
        not_ok "$4" "exit $rc" "$(head -5 run.ndjson)"
}

# --- the genuine differences, found without cutover ----------------------------------
createdb -T chinook prod || exit 99
dump_sqlite() { sqlite3 -list -separator '|' "$sqlite_chinook" "$1"; }
dump_pg() { psql -X -At -F'|' -d prod -c "$1"; }
: >expected.txt
while IFS=';' read -r table stable sq pq; do
    diff <(dump_sqlite "$sq") <(dump_pg "$pq") | grep '^<' | cut -d'|' -f1 | sed 's/^< //' |
        while read -r key; do echo "$stable $key"; done >>expected.txt
done <<'Q'
customer;Customer;SELECT * FROM Customer ORDER BY 1;SELECT * FROM customer ORDER BY 1
invoice;Invoice;SELECT InvoiceId,CustomerId,InvoiceDate,BillingAddress,BillingCity,BillingState,BillingCountry,BillingPostalCode,printf('%.2f',Total) FROM Invoice ORDER BY 1;SELECT * FROM invoice ORDER BY 1
album;Album;SELECT * FROM Album ORDER BY 1;SELECT * FROM album ORDER BY 1
artist;Artist;SELECT * FROM Artist ORDER BY 1;SELECT * FROM artist ORDER BY 1
employee;Employee;SELECT * FROM Employee ORDER BY 1;SELECT * FROM employee ORDER BY 1
genre;Genre;SELECT * FROM Genre ORDER BY 1;SELECT * FROM genre ORDER BY 1
invoice_line;InvoiceLine;SELECT InvoiceLineId,InvoiceId,TrackId,printf('%.2f',UnitPrice),Quantity FROM InvoiceLine ORDER BY 1;SELECT * FROM invoice_line ORDER BY 1
media_type;MediaType;SELECT * FROM MediaType ORDER BY 1;SELECT * FROM media_type ORDER BY 1
playlist;Playlist;SELECT * FROM Playlist ORDER BY 1;SELECT * FROM playlist ORDER BY 1
track;Track;SELECT TrackId,Name,AlbumId,MediaTypeId,GenreId,Composer,Milliseconds,Bytes,printf('%.2f',UnitPrice) FROM Track ORDER BY 1;SELECT * FROM track ORDER BY 1
Q
diff <(dump_sqlite "SELECT * FROM PlaylistTrack ORDER BY 1,2") <(dump_pg "SELECT * FROM playlist_track ORDER BY 1,2") |
    grep '^<' | sed 's/^< //; s/|/,/' | while read -r key; do echo "PlaylistTrack $key"; done >>expected.txt
sort -o expected.txt expected.txt
if [ -s expected.txt ]; then ok "the published versions differ ($(wc -l <expected.txt) rows)"; else not_ok "the published versions differ"; fi

"$bin" init --source "sqlite:$sqlite_chinook" --target dbname=prod >/dev/null || exit 99
"$bin" diff --ndjson >run1.ndjson
rc=$?
[ $rc = 1 ] && ok "diff exits 1 on discrepancies" || not_ok "diff exits 1 on discrepancies" "exit $rc"
lines run1.ndjson | awk '{ split($3, k, "="); print $1, k[2] }' | sort >actual.txt
same "exactly the genuine differences, by table and key" expected.txt actual.txt
lines run1.ndjson | grep -c ' changed ' >n.txt
[ "$(cat n.txt)" = "$(wc -l <expected.txt)" ] && ok "all of them are changed rows" || not_ok "all of them are changed rows" "$(lines run1.ndjson)"
lines run1.ndjson | grep -v -E '(City|BillingCity):Edinburgh ->Edinburgh$' >other.txt
[ ! -s other.txt ] && ok "the difference is 'Edinburgh ' vs 'Edinburgh'" || not_ok "the difference is 'Edinburgh ' vs 'Edinburgh'" "$(cat other.txt)"
tail -n 1 run1.ndjson | jq -e '.type == "summary" and .run == 1 and .missing == 0 and .extra == 0' >/dev/null &&
    ok "the summary line" || not_ok "the summary line" "$(tail -n 1 run1.ndjson)"

# with the right rule on the affected columns the diff is clean
sed -i 's/^Customer.City,customer.city,,,,/Customer.City,customer.city,,,trim,/; s/^Invoice.BillingCity,invoice.billing_city,,,,/Invoice.BillingCity,invoice.billing_city,,,trim,/' mapping.csv
"$bin" diff --ndjson >run2.ndjson
rc=$?
[ $rc = 0 ] && ok "trim on those columns: clean, exit 0" || not_ok "trim on those columns: clean, exit 0" "exit $rc" "$(head -3 run2.ndjson)"
[ "$(wc -l <run2.ndjson)" = 1 ] && ok "no discrepancy lines" || not_ok "no discrepancy lines" "$(head -5 run2.ndjson)"
tail -n 1 run2.ndjson | jq -e '.previous.run == 1 and .previous.fixed == '"$(wc -l <expected.txt)"' and .previous.new == 0' >/dev/null &&
    ok "compared with run 1: all fixed" || not_ok "compared with run 1: all fixed" "$(tail -n 1 run2.ndjson | jq -c .previous)"

# --- known changes to the target ------------------------------------------------------
psql -X -q -d prod -v ON_ERROR_STOP=1 <<'SQL' || exit 99
UPDATE customer SET email = 'luis@example.org', company = NULL WHERE customer_id = 1;
UPDATE track SET milliseconds = milliseconds + 1 WHERE track_id = 2;
UPDATE invoice SET total = total + 0.01 WHERE invoice_id = 3;
UPDATE invoice SET invoice_date = invoice_date + interval '1 second' WHERE invoice_id = 4;
UPDATE artist SET name = 'Ac/Dc' WHERE artist_id = 1;
DELETE FROM playlist_track WHERE playlist_id = 1 AND track_id = 2;
DELETE FROM invoice_line WHERE invoice_line_id = 5;
INSERT INTO genre VALUES (26, 'Polka');
SQL
"$bin" diff --ndjson >run3.ndjson
rc=$?
[ $rc = 1 ] && ok "changed target: exit 1" || not_ok "changed target: exit 1" "exit $rc"
cat >expected3.txt <<'E'
Artist changed ArtistId=1 Name:AC/DC->Ac/Dc
Customer changed CustomerId=1 Company:Embraer - Empresa Brasileira de Aeronáutica S.A.->null;Email:luisg@embraer.com.br->luis@example.org
Genre extra GenreId=26
Invoice changed InvoiceId=3 Total:5.94->5.95
Invoice changed InvoiceId=4 InvoiceDate:2021-01-06 00:00:00->2021-01-06 00:00:01
InvoiceLine missing InvoiceLineId=5
PlaylistTrack missing PlaylistId=1,TrackId=2
Track changed TrackId=2 Milliseconds:342562->342563
E
lines run3.ndjson >actual3.txt
same "exactly those keys, kinds and fields (text, NULL, integer, numeric by 0.01, timestamp by 1 s, composite key)" expected3.txt actual3.txt
"$bin" runs --json | jq -e 'length == 3 and .[2].open == 8 and .[1].status == "done"' >/dev/null &&
    ok "runs: three recorded" || not_ok "runs: three recorded" "$("$bin" runs --json | jq -c .)"

# an accepted variance does not fail the run, and keeps its class in later runs
sqlite3 .cutover/state.db "UPDATE discrepancies SET class = 'accepted_variance', owner = 'bob' WHERE run_id = 3 AND tbl = 'Genre'"
"$bin" diff --ndjson >run4.ndjson
tail -n 1 run4.ndjson | jq -e '.accepted == 1' >/dev/null && ok "the class is carried to run 4" ||
    not_ok "the class is carried to run 4" "$(tail -n 1 run4.ndjson)"
[ "$(sqlite3 .cutover/state.db "SELECT class || ',' || owner FROM discrepancies WHERE run_id = 4 AND tbl = 'Genre'")" = "accepted_variance,bob" ] &&
    ok "with its owner" || not_ok "with its owner"
psql -X -q -d prod -c "DELETE FROM genre WHERE genre_id = 26; UPDATE artist SET name = 'AC/DC' WHERE artist_id = 1; UPDATE track SET milliseconds = milliseconds - 1 WHERE track_id = 2; UPDATE invoice SET total = total - 0.01 WHERE invoice_id = 3; UPDATE invoice SET invoice_date = invoice_date - interval '1 second' WHERE invoice_id = 4; UPDATE customer SET email = 'luisg@embraer.com.br', company = 'Embraer - Empresa Brasileira de Aeronáutica S.A.' WHERE customer_id = 1"
"$bin" diff --table PlaylistTrack --table InvoiceLine --ndjson >run5.ndjson
rc=$?
[ $rc = 1 ] && [ "$(lines run5.ndjson | wc -l)" = 2 ] && ok "--table limits the run" || not_ok "--table limits the run" "exit $rc" "$(lines run5.ndjson)"
"$bin" diff --table Nope >/dev/null 2>err.txt
rc=$?
[ $rc = 2 ] && grep -qx "cutover: --table Nope: no such table in the source" err.txt && ok "--table: unknown table" ||
    not_ok "--table: unknown table" "exit $rc: $(cat err.txt)"
"$bin" diff --table invoice_line >/dev/null 2>err.txt
check "--table naming the target's table: exit 2, naming the source's" \
    "2 cutover: --table invoice_line: no such table in the source (--table takes the source's name: InvoiceLine?)" \
    "$? $(cat err.txt)"

# --- the other engine pairs ------------------------------------------------------------
# PostgreSQL → SQLite: the same genuine differences, seen from the other side
mkdir pg2lite && cd pg2lite
"$bin" init --source dbname=chinook --target "sqlite:$sqlite_chinook" >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
lines run.ndjson | awk '{ split($3, k, "="); print $1, k[2] }' | sort >actual.txt
sed 's/^Customer /customer /; s/^Invoice /invoice /' ../expected.txt | sort >expected.txt
same "PostgreSQL → SQLite: the same differences" expected.txt actual.txt
cd ..
# SQLite → SQLite: a copy with one row changed and one deleted
mkdir lite2lite && cd lite2lite
cp "$sqlite_chinook" copy.db
sqlite3 copy.db "UPDATE Track SET Name = 'Balls to the Wall!' WHERE TrackId = 2; DELETE FROM PlaylistTrack WHERE PlaylistId = 1 AND TrackId = 3402"
"$bin" init --source "sqlite:$sqlite_chinook" --target sqlite:copy.db >/dev/null || exit 99
printf '%s\n' '[check tracks]' 'source = SELECT count(*) FROM Track' 'target = SELECT count(*) FROM Track' \
    '[check invoiced]' 'source = SELECT sum(Total) FROM Invoice' 'target = SELECT sum(Total) + 1 FROM Invoice' \
    'tolerance = 0.5' '[check refunded]' 'source = SELECT sum(Total) FROM Invoice WHERE Total < 0' \
    'target = SELECT sum(Total) FROM Invoice WHERE Total < 0' '[check refunded_or_zero]' \
    'source = SELECT sum(Total) FROM Invoice WHERE Total < 0' 'target = SELECT 0' >>cutover.ini
"$bin" diff --ndjson >run.ndjson
printf '%s\n' "PlaylistTrack missing PlaylistId=1,TrackId=3402" "Track changed TrackId=2 Name:Balls to the Wall->Balls to the Wall!" >expected.txt
lines run.ndjson >actual.txt
same "SQLite → SQLite: exactly the two changes" expected.txt actual.txt
check "the checks in the summary: counts as integers, sums as numbers, each judged; NULL (a sum of no rows) equals only NULL" \
    '"checks":[{"name":"tracks","source":3503,"target":3503,"status":"pass"},{"name":"invoiced","source":2328.600000000004,"target":2329.600000000004,"status":"fail"},{"name":"refunded","source":null,"target":null,"status":"pass"},{"name":"refunded_or_zero","source":null,"target":0,"status":"fail"}]' \
    "$(grep -o '"checks":\[[^]]*\]' run.ndjson)"
cd ..
# PostgreSQL → PostgreSQL: prod still lacks one playlist track and one invoice line
mkdir pg2pg && cd pg2pg
"$bin" init --source dbname=chinook --target dbname=prod >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
printf '%s\n' "invoice_line missing invoice_line_id=5" "playlist_track missing playlist_id=1,track_id=2" >expected.txt
lines run.ndjson >actual.txt
same "PostgreSQL → PostgreSQL: exactly the two deletions" expected.txt actual.txt
# Ctrl-C: playlist_track's source slowed to 2 ms a row (8,715 rows) by its
# `where`, interrupted a second after it started: the run ends cancelled, exit 1, with the
# tables done before it and nothing of the table cut short
cp cutover.ini plain.ini
sed -i '/^\[table playlist_track\]/a where = pg_sleep(0.002 + 0 * playlist_id)::text = '"''" cutover.ini
"$bin" diff --ndjson >cancel.ndjson 2>cancel.err &
pid=$!
for _ in $(seq 100); do  # until run 2 is recorded as started, then a second more
    [ "$(sqlite3 .cutover/state.db "SELECT count(*) FROM runs WHERE id = 2" 2>/dev/null)" = 1 ] && break
    sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT cancels the run: exit 1, the summary says cancelled" "1 cancelled" \
    "$rc $(jq -r 'select(.type == "summary") | .status' cancel.ndjson)"
check "… and says so on stderr" "cutover: SIGINT: cancelling the run…" "$(grep -o 'cutover: .*: cancelling the run…' cancel.err)"
check "the workspace has the run cancelled, with its duration, and no result for the table cut short" \
    "cancelled 1 0" \
    "$(sqlite3 -separator ' ' .cutover/state.db "SELECT status, duration_ms > 0, (SELECT count(*) FROM results WHERE run_id = 2 AND object = 'playlist_track') FROM runs WHERE id = 2")"
# SIGTERM (a CI job's timeout) and SIGHUP (a lost terminal) cancel it as well
for sig in TERM HUP; do
    n=$(sqlite3 .cutover/state.db "SELECT max(id) + 1 FROM runs")
    "$bin" diff --ndjson >cancel.ndjson 2>cancel.err &
    pid=$!
    for _ in $(seq 100); do
        [ "$(sqlite3 .cutover/state.db "SELECT count(*) FROM runs WHERE id = $n" 2>/dev/null)" = 1 ] && break
        sleep 0.1
    done
    sleep 1
    kill -$sig "$pid"
    wait "$pid"
    rc=$?
    check "SIG$sig cancels the run too: exit 1, recorded cancelled, said on stderr" \
        "1 cancelled cancelled cutover: SIG$sig: cancelling the run…" \
        "$rc $(jq -r 'select(.type == "summary") | .status' cancel.ndjson) $(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = $n") $(grep -o 'cutover: .*: cancelling the run…' cancel.err)"
done
mv plain.ini cutover.ini
"$bin" diff --ndjson >run.ndjson
check "the next run is compared with the last finished one, not the cancelled one" "5 1 0 0 2" \
    "$(jq -r 'select(.type == "summary") | "\(.run) \(.previous.run) \(.previous.new) \(.previous.fixed) \(.previous.still_open)"' run.ndjson)"
# kill -9 during a run leaves it running; the next run marks it interrupted
cp cutover.ini plain.ini
sed -i '/^\[table playlist_track\]/a where = pg_sleep(0.002 + 0 * playlist_id)::text = '"''" cutover.ini
"$bin" diff --ndjson >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$(sqlite3 .cutover/state.db "SELECT count(*) FROM runs WHERE id = 6" 2>/dev/null)" = 1 ] && break
    sleep 0.1
done
sleep 0.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null
check "kill -9 mid-run: the run is left running" running \
    "$(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = 6")"
mv plain.ini cutover.ini
"$bin" diff --ndjson >run.ndjson
check "… the next run marks it interrupted and is compared with the last finished one" \
    "interrupted 7 5" \
    "$(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = 6") $(jq -r 'select(.type == "summary") | "\(.run) \(.previous.run)"' run.ndjson)"
cd ..

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
    "$(jq -c 'select(.type == "summary") | .tables' run.ndjson) 0" \
    "$(jq -c 'select(.type == "summary") | .tables' full.ndjson) $(grep -c cutover_row_hash full.ndjson.sql)"
[ "$(sqlite3 hs.db 'PRAGMA journal_mode = WAL')" = wal ] || exit 99
lite_diff wal.ndjson
keyed wal.ndjson >actual.txt
same "the source in WAL mode: the same" expected.txt actual.txt
check "… read in the run's one snapshot there (one BEGIN), the target still a table at a time" \
    "1 1 3 3" "$(for f in hs.db ht.db; do statements wal.ndjson.sql $f 'BEGIN$'; statements wal.ndjson.sql $f 'ROLLBACK$'; done | in_a_line)"
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
check "… and the same totals" "$(jq -c 'select(.type == "summary") | .tables' run.ndjson)" \
    "$(jq -c 'select(.type == "summary") | .tables' full.ndjson)"
for db in hsa hsb; do psql -X -q -d $db -c "ALTER DATABASE $db RESET log_statement"; done
cd ..

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
check "… lint finds nothing wrong with them" "0 0" "$(jq -r '"\(.errors) \(.warnings)"' lint.json)"
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
check "… lint finds nothing wrong with them" "0 0" "$(jq -r '"\(.errors) \(.warnings)"' lint.json)"
sqlite3 ../arrays.db "UPDATE a SET grid = '{{1,x},{3,4}}', codes = 'abc'"
"$bin" map lint --json >lint.json
check "… an element that is no integer, and text that is no array: lint names them" \
    "$(printf '%s\n' 'not_parsable a.grid 1 rows will not read as an array of its type for a.grid (bigint[])' \
        'not_parsable a.codes 1 rows will not read as an array of its type for a.codes (character varying(3)[])')" \
    "$(jq -r '.findings[] | "\(.code) \(.target) \(.message)"' lint.json)"
sqlite3 ../arrays.db "UPDATE a SET grid = '{{1,2},{3,4}}', codes = '[0:1]={abc,défi}'"
"$bin" map lint --json >lint.json
check "… an element longer than varchar(3) (in characters, not bytes), bounds or not" \
    "too_long a.codes 1 rows have elements longer than a.codes's 3 characters (longest 4) défi" \
    "$(jq -r '.findings[] | "\(.code) \(.target) \(.message) \(.examples[0])"' lint.json)"
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
    "$(jq -r '.findings[] | "\(.code) \(.target) \(.message)"' lint.json)"
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
    "$(jq -r '"\(.errors) \(.findings[0].code) \(.findings[0].count) \(.findings[0].message); \(.findings[0].hint)"' lint.json)"
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

# --- a PostgreSQL side whose query fails or is cancelled keeps its snapshot for the tables
# and checks after it (each behind a savepoint): a's keys are text in two forms, so its
# source breaks key order mid-read and is cancelled; b's transform divides by zero; c, and
# the check after the one that fails, still compare. Errors name what of the user's is in
# the failed query: the plan's where and the sheet's transforms, a check's section.
for db in errsrc errtgt; do
    createdb $db
    psql -X -q -d $db -c "CREATE TABLE b (id int PRIMARY KEY, name text)" \
        -c "INSERT INTO b VALUES (1, 'x'), (2, 'yy')" \
        -c "CREATE TABLE c (id int PRIMARY KEY, name text)" -c "INSERT INTO c VALUES (1, 'x')"
done
psql -X -q -d errsrc -c "CREATE TABLE a (k text PRIMARY KEY, v text)" \
    -c "INSERT INTO a SELECT to_char(timestamp '2024-01-01' + g * interval '1 minute',
        'YYYY-MM-DD HH24:MI:SS'), 'v' FROM generate_series(1, 20000) g" \
    -c "UPDATE a SET k = '2024-01-01T00:01:00' WHERE k = '2024-01-01 00:01:00'"
psql -X -q -d errtgt -c "CREATE TABLE a (k timestamp PRIMARY KEY, v text)" \
    -c "INSERT INTO a SELECT timestamp '2024-01-01' + g * interval '1 minute', 'v'
        FROM generate_series(1, 20000) g"
mkdir errs && cd errs
"$bin" init --source dbname=errsrc --target dbname=errtgt >/dev/null || exit 99
sed -i 's/^b\.name,b\.name,,/b.name,b.name,(1 \/ (length(name) - 1))::text,/' mapping.csv
sed -i '/^\[table b\]/a where = id > 0' cutover.ini
printf '\n[check bad]\nsource = SELECT 1 / 0\ntarget = SELECT 1\n\n[check good]\nsource = SELECT count(*) FROM c\ntarget = SELECT count(*) FROM c\n' >>cutover.ini
"$bin" diff --json >run.json 2>run.err
check "a table and a check whose queries the database refused: exit 3, saying so" \
    "3 cutover: a database refused a table's or a check's query: its error is in the output" \
    "$? $(cat run.err)"
check "after a table cancelled and a table refused, the next table and check still run" \
    "a error|b error|c pass|check bad error|check good pass|" \
    "$(jq -r '(.tables[] | "\(.table) \(.status)"), (.checks[] | "check \(.name) \(.status)")' run.json | tr '\n' '|')"
check "… the cancelled one names the two keys out of order (one text form sorts before another)" \
    'source rows do not come in key order: {"k":"2024-01-01T00:01:00"} after {"k":"2024-01-01 23:59:00"}' \
    "$(jq -r '.tables[] | select(.table == "a") | .error' run.json | sed 's/ (key values.*//')"
check "… the refused table's error names its where and its transform" \
    "dbname=errsrc: ERROR:  division by zero (SQLSTATE 22012) (in the source's query for b: its where, cutover.ini:$(grep -n '^where = id > 0' cutover.ini | cut -d: -f1); its transform, mapping.csv line $(grep -n '^b\.name' mapping.csv | cut -d: -f1))" \
    "$(jq -r '.tables[] | select(.table == "b") | .error' run.json)"
check "… the check's error names its section" \
    "source query (cutover.ini:$(grep -n '^\[check bad\]' cutover.ini | cut -d: -f1)): dbname=errsrc: ERROR:  division by zero (SQLSTATE 22012)" \
    "$(jq -r '.checks[] | select(.name == "bad") | .error' run.json)"
"$bin" diff >run.txt
check "… and the text form shows it" "check bad                  source null, target 1: error: source query (cutover.ini:" \
    "$(grep -o '^check bad .*: error: source query (cutover.ini:' run.txt)"
check "… and its totals say why it fails with nothing missing, extra or changed" \
    "0 missing, 0 extra, 0 changed, 2 tables in error, 1 of 2 checks failed" \
    "$(grep '^0 missing' run.txt)"
check "runs: its tables in error and its checks failed, and it fails with nothing open" \
    "0 2 2 1 fail" \
    "$("$bin" runs --json | jq -r '.[-1] | "\(.open) \(.errors) \(.checks) \(.failed_checks) \(.result)"')"
cd ..

# --- a long value that differs is reported cut at 1 KiB (at a character's start, ending
# in "…") with its whole length, in the NDJSON and the workspace alike; a short one whole.
# Two that differ past the first KiB are shown from 64 bytes before their difference
sqlite3 long.db "CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT, v TEXT);
    INSERT INTO t VALUES (1, replace(hex(zeroblob(600)), '00', 'é') || 'a', 'x')"
sqlite3 long2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT, v TEXT);
    INSERT INTO t VALUES (1, replace(hex(zeroblob(600)), '00', 'é') || 'b', 'y')"
mkdir long && cd long
"$bin" init --source sqlite:../long.db --target sqlite:../long2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "two 1,201-byte values differing in their last byte: shown from byte 1,136 (32 é before it), their lengths beside them; v whole" \
    "doc …$(printf 'é%.0s' $(seq 32))a …$(printf 'é%.0s' $(seq 32))b 1201 1201 1136|v x y null null null|" \
    "$(jq -r 'select(.type == "discrepancy") | .fields[] | "\(.source) \(.source_value) \(.target_value) \(.source_length) \(.target_length) \(.from)"' run.ndjson | tr '\n' '|')"
check "… kept so in the workspace (65 bytes and the 3 of …)" "68 1201 1136" \
    "$(sqlite3 .cutover/state.db "SELECT fields_json FROM discrepancies" | jq -r '.[0] | "\(.source_value | utf8bytelength) \(.source_length) \(.from)"')"
# … and one differing early is cut after 512 é, from its start
sqlite3 ../long2.db "UPDATE t SET doc = 'x' || substr(doc, 2)"
"$bin" diff --ndjson >run.ndjson
check "a 1,201-byte value differing in its first character: its first 1,024 bytes" \
    "$(printf 'é%.0s' $(seq 512))… x$(printf 'é%.0s' $(seq 511))… 1201 1200 null" \
    "$(jq -r 'select(.type == "discrepancy") | .fields[] | select(.source == "doc") | "\(.source_value) \(.target_value) \(.source_length) \(.target_length) \(.from)"' run.ndjson)"
check "the report's discrepancy says what differs, each value cut at 60 bytes at a character's start" \
    "| t | changed | {\"id\":1} | doc: \"$(printf 'é%.0s' $(seq 29))… → \"x$(printf 'é%.0s' $(seq 29))…; v: \"x\" → \"y\" |  |  |  |" \
    "$("$bin" report | grep '^| t | changed')"
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
    "2 cutover: mapping.csv:$(grep -n '^t\.name' mapping.csv | cut -d: -f1): unknown rule 'tolerence' (equal, ignore, ci, trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, regex:RE)" \
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

# --- the plan's `where`: only the source rows it keeps are compared --------------------
sqlite3 kept.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, deleted_at TEXT);
    INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', '2026-01-01'), (3, 'c', NULL), (4, 'd', '2026-01-02')"
sqlite3 kept2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, deleted_at TEXT);
    INSERT INTO t VALUES (1, 'a', NULL), (3, 'c', NULL)"
mkdir kept && cd kept
"$bin" init --source sqlite:../kept.db --target sqlite:../kept2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "without a where: the rows deleted in the Pilot are missing" "t missing id=2|t missing id=4|" \
    "$(lines run.ndjson | tr '\n' '|')"
sed -i '/^\[table t\]/a where    = deleted_at IS NULL' cutover.ini
"$bin" diff --ndjson >run.ndjson
rc=$?
check "with where = deleted_at IS NULL: clean, exit 0" "0 0" "$rc $(lines run.ndjson | wc -l)"
sqlite3 ../kept2.db "INSERT INTO t VALUES (2, 'b', '2026-01-01')"
"$bin" diff --ndjson >run.ndjson
check "… and a row the where leaves out, found in the target, is extra" "t extra id=2" \
    "$(lines run.ndjson)"
cd ..

# --- the workspace keeps 10,000 discrepancies of a table a run, the counts all --------
sqlite3 big.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10050)
    INSERT INTO t SELECT i, 'v' FROM s"
sqlite3 big2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10050)
    INSERT INTO t SELECT i, 'w' FROM s"
mkdir big && cd big
"$bin" init --source sqlite:../big.db --target sqlite:../big2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "10,050 changed rows: all in the NDJSON and the summary, 10,000 kept in the workspace" \
    "10050 10050 10050 10000" \
    "$(grep -c '"kind":"changed"' run.ndjson) $(tail -n 1 run.ndjson | jq .changed) $(sqlite3 .cutover/state.db "SELECT changed FROM results WHERE run_id = 1 AND kind = 'table'") $(sqlite3 .cutover/state.db "SELECT count(*) FROM discrepancies WHERE run_id = 1")"
cd ..

# --- a run holds no lock on the workspace while it waits on its databases: a run
# that found a discrepancy, then waits 10 s on its source (pg_sleep in the plan's
# where, past the first rows), lets another cutover record a run meanwhile
createdb held && createdb held2 || exit 99
for db in held held2; do
    psql -X -q -d $db -c "CREATE TABLE t (id int PRIMARY KEY, v text); CREATE TABLE s (id int PRIMARY KEY);
        INSERT INTO t SELECT i, 'row ' || i FROM generate_series(1, 5000) i; INSERT INTO s VALUES (1)"
done
psql -X -q -d held2 -c "UPDATE t SET v = 'changed' WHERE id = 1"
mkdir held && cd held
"$bin" init --source dbname=held --target dbname=held2 >/dev/null || exit 99
sed -i '/^\[table t\]/a where    = id <> 4000 OR pg_sleep(10) IS NOT NULL' cutover.ini
"$bin" diff --table t --ndjson >slow.ndjson &
slow=$!
for _ in $(seq 100); do  # until the source's server sleeps on row 4000
    [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'held' AND wait_event = 'PgSleep'")" = 1 ] && break
    sleep 0.2
done
"$bin" diff --table s >other.txt 2>&1
check "another run while the first waits on its source: recorded, clean" "0|run 2: pass" \
    "$?|$(head -n 1 other.txt | cut -d' ' -f1-3)"
check "… the first still running, not marked interrupted by it" running \
    "$(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = 1")"
wait $slow
check "… and the first ends with its discrepancy recorded" "1|t changed id=1 v:row 1->changed|1" \
    "$?|$(lines slow.ndjson)|$(sqlite3 .cutover/state.db "SELECT count(*) FROM discrepancies WHERE run_id = 1")"
hold_workspace .cutover/state.db
"$bin" diff --table s >/dev/null 2>err.txt
check "a workspace another process keeps locked past 5 s: exit 2, saying so" \
    "2|cutover: .cutover/state.db: cannot record the run: another process has kept the workspace locked for more than 5 s" \
    "$?|$(cat err.txt)"
release_workspace .cutover/state.db
# … and one locked past 5 s while a run writes: the run is told at once, keeps
# what a failed write held for the next, and says what it could not record.
# The source waits on an advisory lock the test holds until the workspace is
# locked; the workspace is let go after the second failed write.
sed -i 's/OR pg_sleep(10) IS NOT NULL/OR pg_advisory_xact_lock_shared(7)::text IS NOT NULL/' cutover.ini
locked_run() {  # a run waiting on its source, the advisory lock 7 held, until the
    # workspace is held by another process (until released); then the source lets go
    rm -f go-pg
    printf 'SELECT pg_advisory_lock(7);\n\\! while [ ! -e go-pg ]; do sleep 0.1; done\n' |
        psql -X -q -d held >/dev/null &
    pglock=$!
    for _ in $(seq 100); do
        [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ] && break
        sleep 0.1
    done
    "$bin" diff --table t --ndjson >locked.ndjson 2>locked.err &
    run=$!
    for _ in $(seq 100); do  # until the run waits on the lock, its discrepancy found
        [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'held' AND wait_event_type = 'Lock' AND application_name = 'cutover'")" = 1 ] && break
        sleep 0.1
    done
    hold_workspace .cutover/state.db
    touch go-pg
}
locked_run
for _ in $(seq 300); do [ "$(grep -c 'locked for more' locked.err)" -ge 2 ] && break; sleep 0.1; done
release_workspace .cutover/state.db
wait $run
rc=$?
wait $pglock
why=".cutover/state.db: cannot record: another process has kept the workspace locked for more than 5 s"
check "a workspace locked past 5 s mid-run: each failed write told at once, the run recorded incomplete, exit 2" \
    "2|cutover: .cutover/state.db: cannot record the discrepancies: another process has kept the workspace locked for more than 5 s|cutover: $why|cutover: run 3 is recorded incomplete: $why|" \
    "$rc|$(tr '\n' '|' <locked.err)"
check "… the output whole, its summary saying what the workspace lacks" \
    "t changed id=1 v:row 1->changed|$why" "$(lines locked.ndjson)|$(tail -n 1 locked.ndjson | jq -r .unrecorded)"
check "… the discrepancy the failed write held written by the next, the table's result lost" "1 0" \
    "$(sqlite3 .cutover/state.db "SELECT (SELECT count(*) FROM discrepancies WHERE run_id = 3) || ' ' || (SELECT count(*) FROM results WHERE run_id = 3)")"
check "… cutover runs: incomplete, saying why" "incomplete|$why|incomplete $why" \
    "$("$bin" runs --json | jq -r '.[2] | .status + "|" + .note')|$("$bin" runs | awk '$1 == 3 { $1 = $2 = $4 = $5 = $6 = $7 = $8 = $9 = $10 = $11 = $12 = ""; print }' | sed 's/^ *//; s/  */ /g')"
# … and still locked when the run ends: its end is kept, and written when the
# workspace is let go (here as the command closes it), not left `running`
locked_run
for _ in $(seq 600); do grep -q 'is recorded incomplete' locked.err && break; sleep 0.1; done
check "… locked at the run's end too: its end not written yet" "running" \
    "$(sqlite3 -readonly .cutover/state.db "SELECT status FROM runs WHERE id = 4")"
release_workspace .cutover/state.db
wait $run
rc=$?
wait $pglock
disc_why=".cutover/state.db: cannot record the discrepancies: another process has kept the workspace locked for more than 5 s"
check "… each failed write told (the discrepancies twice, the table's result, the end), exit 2" \
    "2|cutover: $disc_why|cutover: $why|cutover: $disc_why|cutover: $why (kept: written once it is let go)|cutover: run 4 is recorded incomplete: $why|" \
    "$rc|$(tr '\n' '|' <locked.err)"
check "… the end written once the workspace was let go: incomplete, saying why, its duration kept" \
    "incomplete|$why|1" \
    "$(sqlite3 .cutover/state.db "SELECT status || '|' || note || '|' || (duration_ms > 0 AND finished_at IS NOT NULL) FROM runs WHERE id = 4")"
cd ..

# --- the three outputs: NDJSON, one JSON document, text with a sample per table -------
sqlite3 many.db "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30)
    INSERT INTO a SELECT i, 'v' || i FROM s; INSERT INTO b VALUES (1), (2), (3), (4), (5)"
cp many.db many2.db
sqlite3 many2.db "UPDATE a SET v = v || '!' WHERE id <= 25; DELETE FROM b WHERE id <= 3"
mkdir many && cd many
"$bin" init --source sqlite:../many.db --target sqlite:../many2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
"$bin" diff --json >run.json
rc=$?
check "--json: one document, exit 1" "1 1" "$rc $(jq -s length run.json)"
check "--json: every discrepancy, as --ndjson gave them" \
    "$(grep '"type":"discrepancy"' run.ndjson | sort)" "$(jq -c '.discrepancies[]' run.json | sort)"
check "--json: the summary's counts" "25 0 3 28" \
    "$(jq -r '"\(.changed) \(.extra) \(.missing) \(.discrepancies | length)"' run.json)"
check "--json --sample 2: two a table, the counts still exact" "2 2 25 3" \
    "$("$bin" diff --json --sample 2 | jq -r '[(.discrepancies | map(select(.table == "a")) | length),
        (.discrepancies | map(select(.table == "b")) | length), .changed, .missing] | join(" ")')"
"$bin" diff >run.txt
check "text: the tables, the totals, then ten of a's 25 and b's three" \
    "a a 30 30 0 0 25 fail|b b 5 2 3 0 0 fail|3 missing, 0 extra, 25 changed|10 3" \
    "$(grep -E '^[ab] ' run.txt | tr -s ' ' | tr '\n' '|')$(grep -x '3 missing, 0 extra, 25 changed' run.txt)|$(grep -c '"table":"a"' run.txt) $(grep -c '"table":"b"' run.txt)"
cd ..

# --- a pilot application writing to its SQLite file (rollback journal: its lock keeps
# readers out) is waited for, up to 5 s; longer, the run fails saying why
sqlite3 busy.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')"
cp busy.db busy2.db
mkdir busy && cd busy
"$bin" init --source sqlite:../busy.db --target sqlite:../busy2.db >/dev/null || exit 99
hold() {  # hold SECONDS: a writer's exclusive lock on the pilot, from when it prints
    python3 -c "import sqlite3, time; c = sqlite3.connect('../busy.db', isolation_level=None)
c.execute('BEGIN EXCLUSIVE'); c.execute(\"UPDATE t SET v = 'b'\"); print('held', flush=True)
time.sleep($1)" >holder.out &
    holder=$!
    for _ in $(seq 100); do grep -q held holder.out 2>/dev/null && break; sleep 0.1; done
}
hold 1.5
"$bin" diff >/dev/null 2>err.txt
check "a writer's lock held 1.5 s: waited for, the run clean" "0 " "$? $(cat err.txt)"
wait $holder
hold 8
"$bin" diff >/dev/null 2>err.txt
check "… held 8 s: exit 3, saying a writer kept it locked" \
    "3 cutover: sqlite:../busy.db: cannot open '../busy.db': database is locked (a writer has kept it locked for more than 5 s)" \
    "$? $(cat err.txt)"
kill $holder; wait $holder 2>/dev/null
cd ..

# --- a SQLite pilot in WAL mode is read in one snapshot, as a PostgreSQL side is: b
# changed while a (slowed by its transform) is read is compared as it was when the
# run began, and the pilot's writer is not kept out meanwhile
mkdir wal && cd wal
for db in pilot prod; do
    sqlite3 $db.db "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)
        INSERT INTO a SELECT i, 'v' FROM s; CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT);
        INSERT INTO b VALUES (1, 'old')" || exit 99
done
sqlite3 pilot.db "PRAGMA journal_mode = wal" >/dev/null || exit 99
"$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null || exit 99
sed -i 's/^a\.v,a\.v,,/a.v,a.v,"v || substr(randomblob(1000000 + 0 * id), 1, 0)",/' mapping.csv
"$bin" diff --ndjson >run1.ndjson &
pid=$!
for _ in $(seq 100); do
    [ "$(sqlite3 -cmd ".timeout 5000" .cutover/state.db "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] && break
    sleep 0.1
done
sqlite3 -cmd ".timeout 1000" pilot.db "UPDATE b SET v = 'new' WHERE id = 1"
written=$?
wait "$pid"
rc=$?
"$bin" diff --ndjson >run2.ndjson
check "WAL pilot: the write during the run went through; the run saw b as it began, the next one sees it changed" \
    "0 0 pass 1 changed" \
    "$written $rc $(jq -r 'select(.type == "summary") | .tables[] | select(.table == "b") | .status' run1.ndjson) $(
    jq -r 'select(.type == "summary") | .changed' run2.ndjson) $(jq -r 'select(.type == "discrepancy") | .kind' run2.ndjson)"
cd ..

# --- validation rules judge the target's values: not_null and regex each row,
# unique the whole column (one query); the expected keys come from psql. A copy of
# Chinook's customers with one email broken, one company emptied.
createdb rules && pg_dump -d chinook -t customer | psql -X -q -d rules >/dev/null 2>&1 || exit 99
psql -X -q -d rules -c "UPDATE customer SET email = 'no-at-sign' WHERE customer_id = 7" \
    -c "UPDATE customer SET company = NULL WHERE customer_id = 1"
mkdir rules && cd rules
"$bin" init --source "sqlite:$sqlite_chinook" --target dbname=rules >/dev/null || exit 99
sed -i -e 's/^\(Customer\.Email,customer\.email,,,\),/\1"regex:^[^@ ]+@[^@ ]+\\.[a-z]+$",/' \
    -e 's/^\(Customer\.Company,customer\.company,,,\),/\1not_null,/' \
    -e 's/^\(Customer\.Country,customer\.country,,,\),/\1unique,/' mapping.csv
"$bin" diff --table Customer --ndjson >run.ndjson
rc=$?
{ psql -X -At -d rules -c "SELECT 'invalid ' || customer_id || ' ' || concat_ws(',',
        CASE WHEN company IS NULL THEN 'company:not_null' END,
        CASE WHEN email !~ '^[^@ ]+@[^@ ]+\.[a-z]+$' THEN 'email:regex' END) FROM customer
      WHERE company IS NULL OR email !~ '^[^@ ]+@[^@ ]+\.[a-z]+$'
    UNION ALL SELECT 'not_unique ' || customer_id || ' country:unique' FROM customer
      WHERE country IN (SELECT country FROM customer GROUP BY 1 HAVING count(*) > 1)"
  # and what differs from the source: the two rows changed, Edinburgh's trailing space
  printf '%s\n' "changed 1 company:" "changed 7 email:" "changed 54 city:"; } | sort >expected.txt
jq -r 'select(.type == "discrepancy") | "\(.kind) \(.key.CustomerId) \([.fields[] | "\(.target):\(.rule // "" | sub(":.*"; ""))"] | join(","))"' \
    run.ndjson | sort >actual.txt
same "rules: exactly the rows each rule refuses, by key, with the rules named" expected.txt actual.txt
invalid=$(grep -c '^invalid\|^not_unique' expected.txt)
check "… counted as invalid, failing the table (exit 1)" "1 fail $invalid 3" \
    "$rc $(jq -r 'select(.type == "summary") | "\(.tables[0].status) \(.invalid) \(.changed)"' run.ndjson)"
check "… a refused value shown with its rule, the source's value not given" \
    '{"source":"Email","target":"email","target_value":"no-at-sign","rule":"regex:^[^@ ]+@[^@ ]+\\.[a-z]+$"}' \
    "$(jq -c 'select(.kind == "invalid" and .key.CustomerId == 7) | .fields[] | select(.target == "email")' run.ndjson)"
"$bin" diff --table Customer --sample 0 >run.txt
check "… and in the text form" "Customer customer 59 59 0 0 3 fail ($invalid invalid)" \
    "$(grep '^Customer ' run.txt | tr -s ' ')"
check "… and beside the table's result in the workspace (the dashboard shows it)" "fail|$invalid invalid" \
    "$(sqlite3 .cutover/state.db "SELECT status, detail FROM results WHERE run_id = 2 AND object = 'Customer'")"
cd ..

# --- the target's server goes away mid-run: the run fails, saying why (last: it stops
# the server). t's source is slowed by a transform (1 MB of randomness a row, none
# kept); the server stops while it is read, and u's read finds it gone.
createdb gone
psql -X -q -d gone -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
    -c "INSERT INTO t SELECT i, 'v' FROM generate_series(1, 3000) i" \
    -c "CREATE TABLE u (id int PRIMARY KEY)" -c "INSERT INTO u VALUES (1)"
createdb -T gone gone_src
psql -X -q -d gone_src -c "UPDATE t SET v = 'w' WHERE id <= 20"
sqlite3 gone.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
    INSERT INTO t SELECT i, 'v' FROM s; CREATE TABLE u (id INTEGER PRIMARY KEY); INSERT INTO u VALUES (1)"
mkdir gone && cd gone
"$bin" init --source sqlite:../gone.db --target dbname=gone >/dev/null || exit 99
sed -i 's/^t\.v,t\.v,,/t.v,t.v,"v || substr(randomblob(1000000 + 0 * id), 1, 0)",/' mapping.csv
"$bin" diff --ndjson >run.ndjson 2>run.err &
pid=$!
# and a PostgreSQL pair on the same server, read in binary, its source slowed by
# a sleep in the transform (a millisecond a row); its first 20 rows differ: found
# before the stop, and void with the table cut short
mkdir ../gone2 && cd ../gone2
"$bin" init --source dbname=gone_src --target dbname=gone >/dev/null || exit 99
sed -i 's/^t\.v,t\.v,,/t.v,t.v,"v || (SELECT '"''"' FROM pg_sleep(0.001 + 0 * id))",/' mapping.csv
"$bin" diff --ndjson >run.ndjson 2>run.err &
pid2=$!
# and a run whose tables are done when the server stops, in a check's five seconds
mkdir ../gone3 && cd ../gone3
"$bin" init --source sqlite:../gone.db --target dbname=gone >/dev/null || exit 99
printf '[check slow]\nsource = SELECT 1\ntarget = SELECT 1 FROM pg_sleep(5)\n' >>cutover.ini
"$bin" diff --table u --json >run.json 2>run.err &
pid3=$!
cd ../gone
for _ in $(seq 100); do
    [ "$(sqlite3 -cmd ".timeout 5000" .cutover/state.db "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] &&
        [ "$(sqlite3 -cmd ".timeout 5000" ../gone2/.cutover/state.db "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] &&
        [ "$(sqlite3 -cmd ".timeout 5000" ../gone3/.cutover/state.db "SELECT count(*) FROM results" 2>/dev/null)" = 1 ] && break
    sleep 0.1
done
sleep 0.5
as_pg "$CUTOVER_PG_CTL" -D "$CUTOVER_PGDATA" -m immediate -w stop >/dev/null
wait "$pid"
rc=$?
check "the target's server stopped mid-run: exit 3, the run failed, not cancelled" "3 failed failed" \
    "$rc $(jq -r 'select(.type == "summary") | .status' run.ndjson) $(sqlite3 .cutover/state.db "SELECT status FROM runs")"
grep -q "dbname=gone" run.err && ! grep -q "query canceled" run.err &&
    ok "… saying which database and why" || not_ok "… saying which database and why" "$(cat run.err)"
check "… and in which table (t had been read to its end: it is in the summary)" \
    "(while comparing u)|t pass" \
    "$(jq -r 'select(.type == "summary") | "\(.error | capture("(?<w>\\(while [^)]*\\))$").w)|\(.tables | map("\(.table) \(.status)") | join(","))"' run.ndjson)"
wait "$pid2"
rc=$?
check "… and a PostgreSQL pair's binary COPY cut short: exit 3, failed, in t, which is not in the summary" \
    "3 failed failed (while comparing t) 0" \
    "$rc $(jq -r 'select(.type == "summary") | .status' ../gone2/run.ndjson) $(sqlite3 \
    ../gone2/.cutover/state.db "SELECT status FROM runs") $(jq -r 'select(.type == "summary") |
    "\(.error | capture("(?<w>\\(while [^)]*\\))$").w) \(.tables | length)"' ../gone2/run.ndjson)"
check "… the differences streamed before the stop are not kept in the workspace (t was cut short)" \
    "yes 0" "$([ "$(grep -c '"discrepancy"' ../gone2/run.ndjson)" -gt 0 ] && echo yes) $(
    sqlite3 ../gone2/.cutover/state.db "SELECT count(*) FROM discrepancies")"
wait "$pid3"
rc=$?
check "… and during a check: exit 3, failed (not a check that failed), saying which check" \
    "3 failed u pass|(while running check slow)" \
    "$rc $(jq -r '"\(.status) \(.tables[0].table) \(.tables[0].status)|\(.error | capture("(?<w>\\(while [^)]*\\))$").w)"' ../gone3/run.json)"
cd ..

finish
