#!/bin/bash
# cutover diff on Chinook, SQLite → PostgreSQL and the other engine pairs. The
# genuine differences between the two published versions are derived here
# independently (each engine's own client, rows printed the same way, then
# diff); cutover must report exactly those and nothing else. Then the target is
# changed in known ways and the NDJSON must name exactly those keys, kinds and
# fields; accepted variances, --table; PostgreSQL → SQLite and SQLite → SQLite
# with business checks. Run by tests/harness.sh (PostgreSQL with Chinook loaded).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
sqlite_chinook=${CUTOVER_CHINOOK_SQLITE:-}
if [ -z "$sqlite_chinook" ] || [ -z "${PGHOST:-}" ]; then echo "no Chinook or no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-chinook.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

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
check "… and one structural finding: Customer.Company's NULL share moved (50 of 59 from 49, over 0.1 points)" \
    "null_rate Customer company 0.847458 0.830508" \
    "$(jq -r 'select(.type == "structure") | "\(.check) \(.table) \(.column) \(.target_share) \(.source_share)"' run3.ndjson)"
"$bin" runs --json | jq -e 'length == 3 and .[2].open == 9 and .[1].status == "done"' >/dev/null &&
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

finish
