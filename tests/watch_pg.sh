#!/bin/bash
# cutover watch --headless against PostgreSQL → PostgreSQL: a writer process
# inserts and updates the source while watch polls every second; counts, the
# watermark lag, the write rate and "missing" must come out exactly. Then the
# server is stopped in the middle of the watch and started again: both sides
# go down and come back, the process keeps running, every poll round of every
# side is accounted for, and SIGTERM ends it cleanly. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ] || [ -z "${CUTOVER_PG_CTL:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-watch.XXXXXX")
watch_pid=
trap '[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 99
# wait_for SECONDS JQ-FILTER: until the events satisfy the filter (slurped)
wait_for() {
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        jq -e -s "$2" out.ndjson >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

for db in pilot prod; do
    createdb "$db" || exit 99
    psql -q -X -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 99
CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2) NOT NULL,
                     updated_at timestamptz NOT NULL);
CREATE INDEX ON orders (updated_at);
INSERT INTO orders SELECT i, i * 1.5, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 s'
FROM generate_series(1, 100) i;
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT i, 'customer ' || i FROM generate_series(1, 10) i;
SQL
done
"$bin" init --source dbname=pilot --target dbname=prod >/dev/null || exit 99
sed -i '/^\[table orders\]/,/^\[/ s/^decision *=.*/decision = migrate\nwatermark = updated_at/' cutover.ini
sed -i '/^\[table customers\]/,/^\[/ s/^decision *=.*/decision = migrate/' cutover.ini
grep -q '^watermark = updated_at' cutover.ini || { echo "plan has no [table orders]:"; cat cutover.ini; exit 99; }
printf '[rollback]\ntrigger.missing_rows = 10\ntrigger.lag = 60s\nauthority = carol\n' >>cutover.ini

# --- bad input first ------------------------------------------------------------------------
"$bin" watch --interval soon >/dev/null 2>err.txt
check "a bad interval is a usage error (exit 2)" "2 cutover watch: 'soon' is not a duration (try 30s, 15m, 72h)" \
    "$? $(head -1 err.txt)"
sed 's/^watermark = updated_at/watermark = changed_on/' cutover.ini >bad.ini
"$bin" --plan bad.ini watch --headless >/dev/null 2>err.txt
check "a watermark column that does not exist names the table (exit 2)" \
    "2 cutover: table orders: watermark column 'changed_on' is not in the source table" "$? $(cat err.txt)"

# --- the text form, for a person: durations as people write them ----------------------------
# against a target whose tables are still empty (110 rows missing, the trigger's limit 10)
createdb emptyprod && pg_dump -s -d prod | psql -q -X -d emptyprod >/dev/null || exit 99
sed 's|^workspace *=.*|workspace = .cutover/text.db|; s|^url *= dbname=prod|url = dbname=emptyprod|' \
    cutover.ini >text.ini
printf '[probe backlog]\nsql = SELECT 1234567\nalert = 1000000\n' >>text.ini
"$bin" --plan text.ini watch --for 2500ms --interval 1s >text.out 2>watch.err
check "watch without --headless: the session's start line, in human units" \
    "start      hypercare session 1 started: 2 tables every 1s, for 2.5s from" \
    "$(sed -n 1p text.out | cut -d' ' -f2- | sed 's/ [0-9T:.-]*Z$//')"
check "… then a line a round: totals, the table most behind, polls, alerts" \
    "round      1: 2 tables, 110 rows source, 0 target, 110 missing (most: orders 100), 4 polls 0 failed, N alerts open" \
    "$(grep -m1 ' round ' text.out | cut -d' ' -f2- | sed -E 's/[01] alerts? open/N alerts open/')"
check "… the backlog probe's alert counted open once it opened" "round      2: 2 tables, 110 rows source, 0 target, 110 missing (most: orders 100), 8 polls 0 failed, 1 alert open" \
    "$(grep ' round ' text.out | sed -n 2p | cut -d' ' -f2-)"
check "… no line a poll or a probe that answered, none without words" "0 0" \
    "$(grep -cE ' (poll|probe) ' text.out) $(awk 'NF < 3' text.out | wc -l)"
check "… an alert with its value and level in full" \
    "alert      backlog critical opened: 1234567 (level 1000000)" \
    "$(grep -m1 'alert ' text.out | cut -d' ' -f2-)"
check "… and a trigger likewise" \
    "trigger    missing_rows breached: 110 (limit 10), ROLLBACK ADVISED, authority carol" \
    "$(grep -m1 'trigger ' text.out | cut -d' ' -f2-)"

# --- a table above exact_rows: counted exactly once, then from the planner's estimate -------
for db in pilot prod; do psql -q -X -d "$db" -c "ANALYZE orders" || exit 99; done
sed 's|^workspace *=.*|workspace = .cutover/large.db|' cutover.ini >large.ini
printf '[hypercare]\nexact_rows = 50\n' >>large.ini
"$bin" --plan large.ini watch --headless --for 2500ms --interval 1s >large.ndjson 2>watch.err
check "large table: the first count is exact, later ones the planner's estimate" \
    "1 source 100 false|1 target 100 false|2 source 100 true|2 target 100 true|" \
    "$(jq -r 'select(.type == "poll" and .table == "orders" and .tick <= 2) | "\(.tick) \(.side) \(.rows) \(.estimated == true)"' large.ndjson | sort | tr '\n' '|')"
check "… its delta is marked estimated, and new rows still come from the watermark" "0 true 0" \
    "$(jq -r 'select(.type == "poll" and .table == "orders" and .tick == 2 and .side == "target") | "\(.missing) \(.missing_estimated) \(.changed)"' large.ndjson)"
check "a table below exact_rows is still counted exactly" "source 10 false|target 10 false|" \
    "$(jq -r 'select(.type == "poll" and .table == "customers" and .tick == 2) | "\(.side) \(.rows) \(.estimated == true)"' large.ndjson | sort | tr '\n' '|')"
check "estimated samples are marked so in the workspace, the first round's not" "2 1|0|" \
    "$(sqlite3 .cutover/large.db "SELECT count(DISTINCT side), min(estimated) FROM samples WHERE metric = 'rows' AND object = 'orders' AND id NOT IN (SELECT id FROM samples WHERE metric = 'rows' AND object = 'orders' ORDER BY id LIMIT 2);
        SELECT max(estimated) FROM samples WHERE object = 'orders' AND id <= (SELECT min(id) FROM samples WHERE metric = 'lag_ms' AND object = 'orders')" | tr '|' ' ' | tr '\n' '|')"
check "a session run to its end (--for) completes with a summary of what it recorded" \
    "1 $(jq -s 'map(select(.type == "poll" and .skipped != true)) | length' large.ndjson) 0 2 2500" \
    "$(jq -r 'select(.type == "summary") | "\(.session) \(.polls) \(.failed) \(.tables) \(.duration_ms)"' large.ndjson)"
check "… the session is completed in the workspace, the summary kept" "completed 2500" \
    "$(sqlite3 -separator ' ' .cutover/large.db "SELECT status, summary ->> '$.duration_ms' FROM sessions")"
sed 's/^exact_rows = 50/exact_rows = many/' large.ini >bad.ini
"$bin" --plan bad.ini watch >/dev/null 2>err.txt
rc=$?
check "a bad exact_rows names the file and line (exit 2)" \
    "2 cutover: bad.ini:$(grep -n '^exact_rows' bad.ini | cut -d: -f1): exact_rows 'many': expected a number of rows such as 1000000" \
    "$rc $(cat err.txt)"

# --- the workspace held by another process mid-session: what polling records is
# kept with its time and written once it is let go; the session still ends
# completed, its summary of every poll (written before it is summed up).
# held_watch NAME FOR PATTERN: a watch of FOR on .cutover/NAME.db, held from its
# first poll until its stderr matches PATTERN; sets rc, polls (those with a
# count) and held_rows (the counts in the workspace just before it is let go)
held_watch() {
    local w
    sed "s|^workspace *=.*|workspace = .cutover/$1.db|" cutover.ini >"$1.ini"
    "$bin" --plan "$1.ini" watch --headless --for "$2" --interval 1s >"$1.ndjson" 2>"$1.err" &
    w=$!
    for _ in $(seq 100); do grep -q '"type":"poll"' "$1.ndjson" && break; sleep 0.1; done
    hold_workspace ".cutover/$1.db"
    for _ in $(seq 300); do grep -q "$3" "$1.err" && break; sleep 0.1; done
    held_rows=$(sqlite3 -readonly ".cutover/$1.db" "SELECT count(*) FROM samples WHERE metric = 'rows'")
    release_workspace ".cutover/$1.db"
    wait "$w"
    rc=$?
    polls=$(jq -s 'map(select(.type == "poll" and .skipped != true and .rows != null)) | length' "$1.ndjson")
}
held_watch held 4s 'waiting up to 30 s'
why=".cutover/held.db: cannot record: another process has kept the workspace locked for more than 250 ms"
check "held: told once, then that it waits for the workspace at the end; exit 0" \
    "0|cutover: warning: $why (kept: written once it is let go)|cutover: waiting up to 30 s for the workspace to take the N writes kept|" \
    "$rc|$(sed -E 's/take the [0-9]+ writes/take the N writes/' held.err | tr '\n' '|')"
check "… no sample lost: one per poll in the workspace, fewer while it was held" "$polls 1" \
    "$(sqlite3 -separator " " .cutover/held.db "SELECT count(*), count(*) > $held_rows FROM samples WHERE metric = 'rows'")"
check "… each at the time it was taken, in order" "0" \
    "$(sqlite3 .cutover/held.db "SELECT count(*) FROM samples a JOIN samples b ON a.object = b.object AND a.side = b.side AND a.metric = b.metric AND a.id < b.id AND a.at > b.at WHERE a.metric = 'rows'")"
check "… the session completed, its summary counting every poll" "completed $polls" \
    "$(sqlite3 -separator ' ' .cutover/held.db "SELECT status, summary ->> '$.polls' FROM sessions")"
# … and let go mid-session: said once when held, once when written
held_watch held2 15s 'locked for more'
check "let go mid-session: told once when held, once when what was kept is written; exit 0" \
    "0|cutover: warning: ${why/held.db/held2.db} (kept: written once it is let go)|cutover: warning: the workspace takes writes again: what was kept is recorded|" \
    "$rc|$(tr '\n' '|' <held2.err)"
check "… every poll's sample in the workspace, the session completed counting them" \
    "$polls completed $polls" \
    "$(sqlite3 -separator ' ' .cutover/held2.db "SELECT (SELECT count(*) FROM samples WHERE metric = 'rows'), status, summary ->> '$.polls' FROM sessions")"

# --- latency is a poll's own time: the polls of one side share a connection, and
# one queued behind a poll waiting on a lock does not inherit that wait (customers
# is polled before orders; once polling runs, another session locks customers 3 s)
sed 's|^workspace *=.*|workspace = .cutover/lock.db|' cutover.ini >lock.ini
"$bin" --plan lock.ini watch --headless --for 8s --interval 1s >lock.ndjson 2>watch.err &
lw=$!
for _ in $(seq 100); do grep -q '"type":"poll"' lock.ndjson && break; sleep 0.1; done
psql -q -X -d pilot -c "BEGIN" -c "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null
wait "$lw"
check "a poll behind a locked table's: its latency its own, below the locked one's wait" \
    "true true" \
    "$(jq -r -s 'map(select(.type == "poll" and .side == "source" and .latency_ms != null)) |
        (map(select(.table == "customers")) | max_by(.latency_ms)) as $locked |
        map(select(.table == "orders" and .tick == $locked.tick)) | .[0] |
        "\($locked.latency_ms >= 1000) \(.latency_ms < $locked.latency_ms)"' lock.ndjson)"

# --- the health signals are the application's: a session named cutover (as all of
# cutover's are) running 3 s is no longest query, and waiting on a lock no lock
# wait; the application's own waiter is one. `other` is in no plan: no poll waits.
psql -q -X -d pilot -c "CREATE TABLE other (id int)" || exit 99
sed 's|^workspace *=.*|workspace = .cutover/health.db|' cutover.ini >health.ini
"$bin" --plan health.ini watch --headless --for 9s --interval 1s >health.ndjson 2>watch.err &
hw=$!
for _ in $(seq 100); do grep -q '"name":"longest_query"' health.ndjson && break; sleep 0.1; done
PGAPPNAME=cutover psql -q -X -d pilot -c "SELECT pg_sleep(3)" >/dev/null
seen=$(jq -s 'map(select(.type == "probe" and .side == "source")) | length' health.ndjson)
psql -q -X -d pilot -c "BEGIN" -c "LOCK TABLE other IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null &
locker=$!
for _ in $(seq 100); do
    [ "$(psql -X -At -d pilot -c "SELECT count(*) FROM pg_locks WHERE granted AND
        relation = 'other'::regclass AND mode = 'AccessExclusiveLock'")" = 1 ] && break
    sleep 0.1
done
PGAPPNAME=cutover psql -q -X -d pilot -c "SELECT count(*) FROM other" >/dev/null &
PGAPPNAME=app psql -q -X -d pilot -c "SELECT count(*) FROM other" >/dev/null
wait "$locker"
wait "$hw"
psql -q -X -d pilot -c "DROP TABLE other" || exit 99
check "health: a cutover session's 3 s query is no longest query (0 every round)" "0" \
    "$(jq -s --argjson n "$seen" '[map(select(.type == "probe" and .side == "source"))[:$n][] |
        select(.name == "longest_query") | .value] | max' health.ndjson)"
check "… and of two sessions waiting on a lock, only the application's counts" "1" \
    "$(jq -s 'map(select(.type == "probe" and .side == "source" and .name == "lock_waits") | .value) | max' health.ndjson)"

# --- a writer keeps changing the source while watch polls -----------------------------------
# alerts: drift with a warning and a critical level, lag critical only; each
# change handed to on_alert as JSON on its stdin
printf '[hypercare]\nalert.drift_rows = 5, 15\nalert.lag = 60s\non_alert = cat >> on_alert.ndjson\n' >>cutover.ini
"$bin" watch --headless --interval 1s >out.ndjson 2>watch.err &
watch_pid=$!
wait_for 20 'map(select(.type == "poll" and .tick == 2)) | length == 4' ||
    not_ok "the first two rounds arrive" "$(cat out.ndjson watch.err)"
check "first round: rows and watermark on both sides, no write rate yet" \
    'source 100 2026-01-01 00:01:40+00 null|target 100 2026-01-01 00:01:40+00 null|' \
    "$(jq -r 'select(.type == "poll" and .tick == 1 and .table == "orders") | "\(.side) \(.rows) \(.watermark) \(.changed)"' \
        out.ndjson | sort | tr '\n' '|')"
check "second round: nothing missing, no lag, nothing written" 'source 0 0 0|target 0 0 0|' \
    "$(jq -r 'select(.type == "poll" and .tick == 2 and .table == "orders") | "\(.side) \(.missing) \(.lag_ms) \(.changed)"' \
        out.ndjson | sort | tr '\n' '|')"
check "a table without a watermark: counts only" 'source 10 null null 0|target 10 null null 0|' \
    "$(jq -r 'select(.type == "poll" and .tick == 2 and .table == "customers") | "\(.side) \(.rows) \(.watermark) \(.changed) \(.missing)"' \
        out.ndjson | sort | tr '\n' '|')"
# 5 rows a sync copies at once (to the target, then the source), then 20
# inserts and 5 updates on the source alone; one transaction each, every one
# a newer watermark
(
    for i in $(seq 1 5); do
        sql="INSERT INTO orders VALUES (200 + $i, $i, timestamptz '2026-01-01 00:30:00+00' + $i * interval '1 s')"
        psql -q -X -d prod -c "$sql" >/dev/null && psql -q -X -d pilot -c "$sql" >/dev/null || exit 1
        sleep 0.15
    done
    for i in $(seq 1 25); do
        if [ "$i" -le 20 ]; then
            sql="INSERT INTO orders VALUES (100 + $i, $i, timestamptz '2026-01-01 01:00:00+00' + $i * interval '1 s')"
        else
            sql="UPDATE orders SET amount = amount + 1, updated_at = timestamptz '2026-01-01 01:00:00+00' + $i * interval '1 s' WHERE id = $i - 20"
        fi
        psql -q -X -d pilot -c "$sql" >/dev/null || exit 1
        sleep 0.15
    done
) &
writer=$!
wait "$writer"
check "the writer process ran" 0 $?
wait_for 20 'map(select(.type == "poll" and .table == "orders" and .side == "source" and .rows == 125 and .changed == 0)) | length >= 1' ||
    not_ok "a quiet round after the writer" "$(tail -5 out.ndjson)"
last=$(jq -s -c 'map(select(.type == "poll" and .table == "orders" and .side == "source" and .changed == 0 and .rows == 125)) | .[0]' out.ndjson)
check "source after the writer: 125 rows, newest watermark" "125 2026-01-01 01:00:25+00" \
    "$(jq -r '"\(.rows) \(.watermark)"' <<<"$last")"
check "20 rows missing on the target, lag 1820 s (01:00:25 − 00:30:05)" "20 1820000" \
    "$(jq -r '"\(.missing) \(.lag_ms)"' <<<"$last")"
check "write rate: the source changes add up to its 30 writes" 30 \
    "$(jq -s 'map(select(.type == "poll" and .table == "orders" and .side == "source" and .tick > 1 and .changed != null) | .changed) | add' out.ndjson)"
check "write rate: the target's changes add up to the 5 synced rows" 5 \
    "$(jq -s 'map(select(.type == "poll" and .table == "orders" and .side == "target" and .tick > 1) | .changed) | add' out.ndjson)"
# (lag may breach and clear once more while the synced rows land: a poll of
# the target just before the sync and of the source just after sees a real lag)
check "the live triggers end breached, naming the authority; each change reported once" \
    'lag breached ms ROLLBACK ADVISED carol|missing_rows breached rows ROLLBACK ADVISED carol|' \
    "$(jq -r -s 'map(select(.type == "trigger")) | group_by(.trigger)[] | last | "\(.trigger) \(.state) \(.unit) \(.advice) \(.authority)"' out.ndjson | tr '\n' '|')"
check "a trigger's events alternate: breached, cleared, breached …" "" \
    "$(jq -r -s 'map(select(.type == "trigger")) | group_by(.trigger)[] | select([.[] | .state] != [range(0; length) | if . % 2 == 0 then "breached" else "cleared" end]) | .[0].trigger' out.ndjson)"
check "missing_rows was breached at 10 or more, before the writer finished" true \
    "$(jq -s 'map(select(.type == "trigger" and .trigger == "missing_rows")) | .[0].value >= 10 and .[0].value <= 20' out.ndjson)"
check "latency is measured on every poll" 0 \
    "$(jq -s 'map(select(.type == "poll" and .rows != null and (.latency_ms | type) != "number")) | length' out.ndjson)"

# incremental validation: each window (the watermark's move up to the round
# before) is diffed by key, so every row the writer left uncopied is found
# once, in the window after it was written; the synced rows are not
check "rows written to the source alone: inserts missing, updates stale, once each" \
    "$(for i in $(seq 101 120); do echo "missing $i"; done; for i in $(seq 1 5); do echo "stale $i"; done)" \
    "$(jq -r 'select(.type == "discrepancy") | "\(.kind) \(.key.id)"' out.ndjson | sort -k1,1 -k2n)"
check "a stale row names the fields that differ, both values" \
    '[{"source":"amount","target":"amount","source_value":2.5,"target_value":1.5},{"source":"updated_at","target":"updated_at","source_value":"2026-01-01 01:00:21+00","target_value":"2026-01-01 00:00:01+00"}]' \
    "$(jq -c 'select(.type == "discrepancy" and .key.id == 1) | .fields' out.ndjson)"
check "each finding comes in the round after the source poll that saw it" 0 \
    "$(jq -s '[.[] | select(.type == "discrepancy")] | map(select(.tick < 3)) | length' out.ndjson)"
check "the windows checked the 30 rows the writer touched, with no errors" "30 20 5 0 0 0" \
    "$(jq -s -r 'map(select(.type == "window")) | "\(map(.rows) | add) \(map(.missing) | add) \(map(.stale) | add) \(map(.duplicate) | add) \(map(.unchecked) | add) \(map(select(.error != null)) | length)"' out.ndjson)"
check "windows follow each other without gap or overlap" "2026-01-01 00:01:40+00 2026-01-01 01:00:25+00 0" \
    "$(jq -s -r 'map(select(.type == "window")) | "\(.[0].from) \(last.to) \([range(1; length) as $i | select(.[$i].from != .[$i - 1].to)] | length)"' out.ndjson)"

# --- the server goes away in the middle of the watch and comes back -------------------------
as_pg "$CUTOVER_PG_CTL" -D "$CUTOVER_PGDATA" -m fast -w stop >/dev/null || exit 99
wait_for 20 'map(select(.type == "connection" and .state == "down")) | map(.side) | unique == ["source","target"]' ||
    not_ok "both sides reported down" "$(tail -5 out.ndjson)"
down_at=$(jq -s 'map(select(.type == "poll")) | last | .tick' out.ndjson)
sleep 2
kill -0 "$watch_pid" 2>/dev/null && ok "watch keeps running while the database is down" ||
    not_ok "watch keeps running while the database is down" "$(cat watch.err)"
as_pg "$CUTOVER_PG_CTL" -D "$CUTOVER_PGDATA" -l "$CUTOVER_PGDATA/../restart.log" -w -o "$CUTOVER_PG_OPTS" start >/dev/null || exit 99
wait_for 60 "map(select(.type == \"poll\" and .tick > $down_at and .rows != null)) | map(.side) | unique == [\"source\",\"target\"]" ||
    not_ok "polls resume on both sides" "$(tail -5 out.ndjson)"
check "both sides came back up after going down" "source target" \
    "$(jq -r -s '[.[] | select(.type == "connection")] as $c | [range(0; $c | length) as $i | $c[$i] | select(.state == "up" and ([$c[:$i][] | select(.side == $c[$i].side and .state == "down")] | length) > 0) | .side] | unique | join(" ")' out.ndjson)"
check "polls while down are reported as failed, not dropped" true \
    "$(jq -s 'map(select(.type == "poll" and .error != null)) | length > 0' out.ndjson)"
kill -TERM "$watch_pid"
wait "$watch_pid"
rc=$?
watch_pid=
check "SIGTERM ends watch cleanly (exit 0, a stop event)" "0 SIGTERM" "$rc $(jq -r 'select(.type == "stop") | .reason' out.ndjson)"
# no round lost: every round of every side is one poll event (rows, error or skipped)
check "every round of each side is accounted for, once" "" \
    "$(jq -r -s '[.[] | select(.type == "poll")] | group_by([.table, .side])[] | (map(.tick) | sort) as $t
        | select($t != [range(1; ($t | last) + 1)]) | "\(.[0].table) \(.[0].side)"' out.ndjson)"
check "the stop event counts the polls" \
    "$(jq -s 'map(select(.type == "poll" and .skipped != true)) | length' out.ndjson)" \
    "$(jq -r 'select(.type == "stop") | .polls' out.ndjson)"
check "no password or error on stderr" "" "$(cat watch.err)"
# --- what the session left in the workspace -----------------------------------------------
ws=.cutover/state.db
sql() { sqlite3 -separator ' ' "$ws" "$1"; }
check "the watch is one hypercare session of the plan's 72 h, interrupted by the signal" \
    "hypercare interrupted 1000 259200000" \
    "$(sql "SELECT kind, status, interval_ms, duration_ms FROM sessions")"
check "every finding is recorded with its window" "missing 20 0|stale 5 0|" \
    "$(sql "SELECT kind, count(*), sum(window_from IS NULL OR window_to IS NULL) FROM live_findings GROUP BY kind" | tr '\n' '|')"
check "a stale finding keeps its fields" '2.5 1.5' \
    "$(sql "SELECT fields_json FROM live_findings WHERE kind = 'stale' AND key_json = '{\"id\":1}'" | jq -r '.[0] | "\(.source_value) \(.target_value)"')"
check "every poll's row count is a sample" \
    "$(jq -s 'map(select(.type == "poll" and .rows != null)) | length' out.ndjson)" \
    "$(sql "SELECT count(*) FROM samples WHERE metric = 'rows'")"
check "the samples hold the figures the events showed" \
    "$(jq -s 'map(select(.type == "poll" and .table == "orders" and .side == "source" and .rows != null) | .rows) | add' out.ndjson)" \
    "$(sql "SELECT CAST(sum(value) AS INTEGER) FROM samples WHERE metric = 'rows' AND side = 'source' AND object = 'orders'")"
check "the timeline has the trigger crossings and the connection gap of both sides" \
    "$(jq -r 'select(.type == "trigger") | "trigger \(.state)"' out.ndjson | sort | uniq -c | awk '{print $2, $3, $1}' | tr '\n' '|')source connection down 1|source connection up 1|target connection down 1|target connection up 1|" \
    "$(sql "SELECT step, event, count(*) FROM runbook_log WHERE step NOT IN ('hypercare', 'alert') GROUP BY step, event ORDER BY step = 'trigger' DESC, step, event" | tr '\n' '|')"

"$bin" timeline --json >timeline.json
check "cutover timeline --json exports the timeline, in order" \
    "$(sql "SELECT step, event FROM runbook_log WHERE event <> 'output' ORDER BY id")" \
    "$(jq -r '.[] | "\(.step) \(.event)"' timeline.json)"
check "… with the trigger's detail, naming the authority" "carol's" \
    "$(jq -r '[.[] | select(.step == "trigger" and .event == "breached")][0].output | split(" ") | last' timeline.json)"
"$bin" timeline >timeline.txt
check "cutover timeline: a header, then one line per event" \
    "AT                       STEP       EVENT            USER       DETAIL $(($(jq length timeline.json) + 1))" \
    "$(head -1 timeline.txt) $(wc -l <timeline.txt)"
check "… the connection lost, as it happened" "source     connection down" \
    "$(grep -o 'source     connection down' timeline.txt | head -1)"

# --- the hypercare session survives restarts: a signal, then kill -9 ---------------------------
"$bin" watch --headless --interval 1s >resume1.ndjson 2>watch.err &
watch_pid=$!
wait_for_file() { local i; for ((i = 0; i < 200; i++)); do jq -e -s "$2" "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
wait_for_file resume1.ndjson 'map(select(.type == "poll" and .tick == 2)) | length == 4' ||
    not_ok "the restarted watch polls" "$(cat resume1.ndjson watch.err)"
# the sync catches up with the 20 inserted rows: drift and lag come back
psql -q -X -d prod -c "INSERT INTO orders SELECT 100 + i, i, timestamptz '2026-01-01 01:00:00+00' + i * interval '1 s'
    FROM generate_series(1, 20) i" || exit 99
wait_for_file resume1.ndjson 'map(select(.type == "alert" and .state == "closed")) | length == 2' ||
    not_ok "the alerts close" "$(grep alert resume1.ndjson)"
check "a new watch resumes the interrupted session: same session, its start, a gap" "1 true true true" \
    "$(jq -r 'select(.type == "start") | "\(.session) \(.resumed) \(.started_at == "'"$(sql "SELECT started_at FROM sessions")"'") \(.gap_ms > 0)"' resume1.ndjson)"
"$bin" watch --headless --interval 1s --for 5s >second.ndjson 2>second.err  # (--for: never hangs)
check "a second watch while one records the session: refused, exit 2, nothing polled or recorded" \
    "2|cutover: .cutover/state.db: another cutover watch records hypercare on this workspace; one at a time: stop that one first (the dashboard shows what it records)|0|started interrupted resumed" \
    "$?|$(cat second.err)|$(wc -c <second.ndjson)|$(sql "SELECT event FROM runbook_log WHERE step = 'hypercare' ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
kill -KILL "$watch_pid"; wait "$watch_pid" 2>/dev/null
sleep 1.5
"$bin" watch --headless --interval 1s >resume2.ndjson 2>watch.err &
watch_pid=$!
wait_for_file resume2.ndjson 'map(select(.type == "poll" and .tick == 1)) | length == 4' ||
    not_ok "the watch after kill -9 polls" "$(cat resume2.ndjson watch.err)"
kill -HUP "$watch_pid"; wait "$watch_pid"
check "SIGHUP (a lost terminal) ends watch cleanly too: exit 0, a stop event" "0 SIGHUP" \
    "$? $(jq -r 'select(.type == "stop") | .reason' resume2.ndjson)"
watch_pid=
check "after kill -9 the same session goes on, the gap at least the time it was dead" "1 true true" \
    "$(jq -r 'select(.type == "start") | "\(.session) \(.resumed) \(.gap_ms >= 1500)"' resume2.ndjson)"
check "the timeline shows the session's life, kill -9 as a resume without an interruption" \
    "started|interrupted|resumed|resumed|interrupted|" \
    "$(sql "SELECT event FROM runbook_log WHERE step = 'hypercare' ORDER BY id" | tr '\n' '|')"
check "no sample is lost: the session holds every poll of the three runs" \
    "$(cat out.ndjson resume1.ndjson resume2.ndjson | jq -s 'map(select(.type == "poll" and .rows != null)) | length')" \
    "$(sql "SELECT count(*) FROM samples WHERE metric = 'rows' AND session = 1")"
check "still one session" "1 hypercare interrupted" "$(sql "SELECT count(*), kind, status FROM sessions")"
alerts() { jq -r -s 'map(select(.type == "alert")) | group_by(.metric)[] | "\(.[0].metric): \(map("\(.state) \(.level)") | join(", "))"' "$@" | tr '\n' '|'; }
check "alerts open once, drift escalating from warning to critical, while the source runs ahead" \
    "drift_rows: opened warning, escalated critical|lag: opened critical|" "$(alerts out.ndjson)"
check "… the first drift alert at its warning level, the escalation at its critical one" "5 15" \
    "$(jq -r -s '[.[] | select(.type == "alert" and .metric == "drift_rows")] | "\(.[0].threshold) \(.[1].threshold)"' out.ndjson)"
check "a resumed session does not open its open alerts again; they close once the sync catches up" \
    "drift_rows: closed critical|lag: closed critical|" "$(alerts resume1.ndjson)"
check "on_alert got every alert change as JSON on its stdin, in order" \
    "$(cat out.ndjson resume1.ndjson | jq -c 'select(.type == "alert") | del(.time)')" \
    "$(jq -c . on_alert.ndjson)"
check "the alert log in the workspace: two alerts, opened and closed, at their highest level" \
    "drift_rows critical 1 1|lag critical 1 1|" \
    "$(sql "SELECT metric, level, at IS NOT NULL, closed_at IS NOT NULL FROM alerts ORDER BY metric" | tr '\n' '|')"
check "every alert change is on the timeline" "opened|opened|escalated|closed|closed|" \
    "$(sql "SELECT event FROM runbook_log WHERE step = 'alert' ORDER BY id" | tr '\n' '|')"

# --- the report holds what the session recorded ------------------------------------------------
"$bin" report --format json >report.json 2>watch.err
check "report: the hypercare session and its alert log" "1 interrupted 2 2" \
    "$(jq -r '"\(.hypercare.sessions | length) \(.hypercare.sessions[0].status) \(.hypercare.alerts | length) \([.hypercare.alerts[] | select(.closed_at != null)] | length)"' report.json)"
check "report: the whole timeline" "$(sql "SELECT count(*) FROM runbook_log WHERE event <> 'output'")" \
    "$(jq '.timeline | length' report.json)"
check "report: the migrated tables agree once the sync caught up, but for the 5 stale updates" \
    "orders migrate 125 125 true|customers migrate 10 10 true|" \
    "$(jq -r '.pilot_data | sort_by(.table) | reverse[] | "\(.table) \(.decision) \(.source_rows) \(.target_rows) \(.target_agrees)"' report.json | tr '\n' '|')"
"$bin" report >report.md
check "report in Markdown: the alert log's rows" 2 "$(grep -cE '^\| [^|]+ \| (drift_rows|lag) \| critical \|' report.md)"

# --- a key the sheet transforms (the pilot's codes in lower case, production's in upper):
# the window reads the keys as the diff does, so a row copied under its new key is found
# and only the one left behind is missing, under the key production would give it
mkdir xfkey && cd xfkey || exit 99
sqlite3 pilot.db "CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT, updated_at TEXT);
    INSERT INTO c VALUES ('a1', 'x', '2026-01-01 00:00:01')"
sqlite3 prod.db "CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT, updated_at TEXT);
    INSERT INTO c VALUES ('A1', 'x', '2026-01-01 00:00:01')"
"$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null || exit 99
sed -i 's/^c\.code,c\.code,,/c.code,c.code,upper(code),/' mapping.csv
sed -i 's/^decision = undecided/decision = migrate\nwatermark = updated_at/' cutover.ini
"$bin" watch --headless --interval 1s --for 1h >out.ndjson 2>watch.err &
watch_pid=$!
wait_for 20 'map(select(.type == "poll" and .tick == 2)) | length == 2' ||
    not_ok "xfkey: the first two rounds arrive" "$(cat out.ndjson watch.err)"
sqlite3 prod.db "INSERT INTO c VALUES ('Q7', 'q', '2026-01-01 00:01:00')"  # copied first
sqlite3 pilot.db "INSERT INTO c VALUES ('q7', 'q', '2026-01-01 00:01:00'), ('r8', 'r', '2026-01-01 00:01:01')"
wait_for 20 'map(select(.type == "window")) | length >= 1' ||
    not_ok "xfkey: a window is checked" "$(cat out.ndjson watch.err)"
kill -TERM "$watch_pid" && wait "$watch_pid"
watch_pid=
check "a transformed key in a live window: q7 found as Q7; r8 missing as R8" \
    "window 2 1 null|missing R8|" \
    "$({ jq -r 'select(.type == "window") | "window \(.rows) \(.missing) \(.error)"' out.ndjson
         jq -r 'select(.type == "discrepancy") | "\(.kind) \(.key.code)"' out.ndjson; } | tr '\n' '|')"
cd ..

finish
