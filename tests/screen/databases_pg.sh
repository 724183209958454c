#!/bin/bash
# The dashboard facing its databases: a source that is down (said in the header
# and the panel, its URL masked), keys that keep working while PostgreSQL holds
# the inventory's query on a lock, and a count the target refuses (a role
# without SELECT), said in the pair's detail. Run by tests/harness.sh
# (PostgreSQL with Chinook loaded).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${PGHOST:-}" ] && [ -n "${CUTOVER_CHINOOK_SQLITE:-}" ] ||
    { echo "no PostgreSQL or no Chinook: run me through tests/harness.sh" >&2; exit 99; }
make_demo

# --- a database that is down: the dashboard runs and says so ---------------------------
mkdir down
printf '[source]\nurl = postgresql://app:s3cret@127.0.0.1:1/pilot\n[target]\nurl = sqlite:../demo/production.db\n' \
    >down/cutover.ini
start down 120 32 "$work/down"
expect_text "down: the header says so" down "src ✕ tgt ●"
expect_text "down: the panel says why" down "✕ source: down"
expect_text "down: masked URL" down "postgresql://app:***@127.0.0.1:1/pilot: connection to"
expect_text "down: the reason, wrapped" down "failed: Connection"
expect_no_text "down: no password" down "s3cret"
keys down 2
expect_text "down: keys still work" down "┏ 2 Mapping"
T kill-session -t down

# --- responsiveness: keys work while PostgreSQL holds a query --------------------------
mkdir slow
printf '[source]\nurl = dbname=chinook\n[target]\nurl = sqlite:%s\n' \
    "$CUTOVER_CHINOOK_SQLITE" >slow/cutover.ini
psql -X -q -d chinook -c "BEGIN; LOCK TABLE track IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;" \
    >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
    [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_locks WHERE relation = 'track'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
    sleep 0.1
done
start slow 100 30 "$work/slow"
wait_for slow "┏ 1 Inventory"
for _ in $(seq 100); do  # until cutover's query waits on the lock
    [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cutover' AND wait_event_type = 'Lock'")" = 1 ] && break
    sleep 0.1
done
keys slow 3
if wait_for slow "┏ 3 Rehearsal diff" && kill -0 "$holder" 2>/dev/null &&
   [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cutover' AND wait_event_type = 'Lock'")" = 1 ]; then
    ok "a key changes the screen while the query waits"
else
    not_ok "a key changes the screen while the query waits" "$(screen slow)"
fi
wait "$holder"
expect_text "the inventory arrives once the lock goes" slow "Inventory 0/11 decided"

# a count the target refuses (a role without SELECT on it): the pair's detail says why
createdb screen_ro || exit 99
psql -X -q -d screen_ro -c "CREATE TABLE t (id int PRIMARY KEY)" -c "CREATE ROLE screen_ro LOGIN" || exit 99
mkdir rocount && sqlite3 rocount/pilot.db "CREATE TABLE t (id INTEGER PRIMARY KEY)" &&
    (cd rocount && "$bin" init --source sqlite:pilot.db --target "dbname=screen_ro user=screen_ro" >/dev/null) ||
    exit 99
start ro 130 36 "$work/rocount"
wait_for ro "Inventory 0/1 decided"
keys ro 1 Enter
expect_text "a count refused: the pair's detail says why" ro \
    "┃✗ target count failed: dbname=screen_ro user=screen_ro: ERROR:  permission denied for table t (SQLSTATE 42501)"
T kill-session -t ro

finish
