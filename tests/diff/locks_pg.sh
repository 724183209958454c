#!/bin/bash
# Locks around a run: a run waiting on its database holds no lock on the
# workspace; a workspace another process keeps locked is said at once, before
# and during a run (recorded incomplete, its end kept until the lock goes); a
# pilot application's write lock on its SQLite file is waited for up to 5 s;
# a WAL pilot is read in one snapshot without keeping its writer out. Run by
# tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-locks.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

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

finish
