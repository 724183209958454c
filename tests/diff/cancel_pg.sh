#!/bin/bash
# Runs cut short: a PostgreSQL → PostgreSQL pair (Chinook, the target lacking
# one playlist track and one invoice line) cancelled by SIGINT, SIGTERM and
# SIGHUP, and killed with -9 (the next run marks it interrupted and compares
# with the last finished one); then the target's server stopped mid-run, while
# a table is read (SQLite and PostgreSQL sources) and during a check. Run by
# tests/harness.sh (PostgreSQL with Chinook loaded); it stops that server.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-cancel.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# prod: Chinook's PostgreSQL copy without one playlist track and one invoice line
createdb -T chinook prod || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d prod -c "DELETE FROM playlist_track WHERE playlist_id = 1 AND track_id = 2" \
    -c "DELETE FROM invoice_line WHERE invoice_line_id = 5" >/dev/null || exit 99

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

# --- the target's server goes away mid-run: the run fails, saying why (last: it stops
# the server). a is compared at once; t's source is slowed by a transform (1 MB of
# randomness a row, none kept); the server stops while it is read, and t's
# structural checks, after its rows, find it gone.
createdb gone
psql -X -q -d gone -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
    -c "INSERT INTO t SELECT i, 'v' FROM generate_series(1, 3000) i" \
    -c "CREATE TABLE a (id int PRIMARY KEY)" -c "INSERT INTO a VALUES (1)" \
    -c "CREATE TABLE u (id int PRIMARY KEY)" -c "INSERT INTO u VALUES (1)"
createdb -T gone gone_src
psql -X -q -d gone_src -c "UPDATE t SET v = 'w' WHERE id <= 20"
sqlite3 gone.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
    INSERT INTO t SELECT i, 'v' FROM s; CREATE TABLE u (id INTEGER PRIMARY KEY); INSERT INTO u VALUES (1);
    CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1)"
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
check "… and in which table (a had been compared to its end: it is in the summary)" \
    "(while checking the structure of t)|a pass" \
    "$(jq -r 'select(.type == "summary") | "\(.error | capture("(?<w>\\(while [^)]*\\))$").w)|\(.tables | map("\(.table) \(.status)") | join(","))"' run.ndjson)"
wait "$pid2"
rc=$?
check "… and a PostgreSQL pair's binary COPY cut short: exit 3, failed, in t, which is not in the summary (a is)" \
    "3 failed failed (while comparing t) 1" \
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
