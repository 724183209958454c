#!/bin/bash
# A whole 72-hour hypercare session in seconds, on the simulated clock
# (CUTOVER_SIMULATED_CLOCK, for tests only): SQLite Pilot → PostgreSQL
# Production, polled every 30 s, so exactly 8,640 rounds. While it runs, the
# test fails jobs on the target at fixed rounds (a custom probe with a warning
# and a critical level) and asserts: every round and every sample accounted
# for, the workspace keeping the last hour at full resolution and the rest
# in 5-minute buckets, the probe's alert opening once, staying open above
# 90 % of its lowest level and closing below it, the business checks every
# 10 rounds, PostgreSQL's health every round, and the process's memory and
# the workspace's size staying bounded. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-hypercare.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

sqlite3 pilot.db >/dev/null <<'SQL' || exit 99
CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC NOT NULL, updated_at TEXT NOT NULL);
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 200)
INSERT INTO orders SELECT i, i * 1.5, '2026-01-01T00:00:00' FROM g;
CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE legacy_audit (id INTEGER PRIMARY KEY, what TEXT);
CREATE TABLE import_staging (id INTEGER PRIMARY KEY, payload TEXT);
SQL
createdb prod || exit 99
psql -q -X -v ON_ERROR_STOP=1 -d prod >/dev/null <<'SQL' || exit 99
CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2) NOT NULL, updated_at timestamp NOT NULL);
INSERT INTO orders SELECT i, i * 1.5, '2026-01-01 00:00:00' FROM generate_series(1, 200) i;
CREATE TABLE jobs (id serial PRIMARY KEY, state text NOT NULL);
SQL
"$bin" init --source sqlite:pilot.db --target dbname=prod >/dev/null || exit 99
sed -i '/^\[table orders\]/,/^\[/ s/^decision *=.*/decision = migrate\nwatermark = updated_at/' cutover.ini
sed -i '/^\[table jobs\]/,/^\[/ s/^decision *=.*/decision = migrate/' cutover.ini
sed -i '/^\[table legacy_audit\]/,/^\[/ s/^decision *=.*/decision = retain\nowner = dora/' cutover.ini
sed -i '/^\[table import_staging\]/,/^\[/ s/^decision *=.*/decision = temporary\nexpires = 2027-03-31/' cutover.ini
cat >>cutover.ini <<'INI'
[check order_total]
source = SELECT sum(amount) FROM orders
target = SELECT sum(amount) FROM orders
tolerance = 0

[probe failed_jobs]
side  = target
sql   = SELECT count(*) FROM jobs WHERE state = 'failed'
alert = 5, 10

[hypercare]
duration = 72h
interval = 30s
alert.lock_waits = 1
INI

# --- bad input ----------------------------------------------------------------------------
# bad_probe NAME SECTION MESSAGE: the plan plus SECTION is refused with exit 2,
# the message naming the file and the section's line
bad_probe() {
    local rc
    printf '%s' "$2" | cat cutover.ini - >bad.ini
    "$bin" --plan bad.ini watch >/dev/null 2>err.txt
    rc=$?
    check "$1" "2 cutover: bad.ini:$(($(wc -l <cutover.ini) + 1)): $3" "$rc $(cat err.txt)"
}
bad_probe "a probe named like a built-in metric is refused, with file and line (exit 2)" \
    $'[probe lag]\nsql = SELECT 1\n' "[probe lag]: 'lag' is a metric cutover measures itself: name the probe differently"
bad_probe "a probe without sql says what it needs" \
    $'[probe stuck]\nside = target\n' "[probe stuck] needs its 'sql': a read-only query returning one number"
CUTOVER_SIMULATED_CLOCK=yesterday "$bin" watch >/dev/null 2>err.txt
check "a bad simulated clock is refused (exit 2)" \
    "2 cutover: CUTOVER_SIMULATED_CLOCK=yesterday: not a time like 2026-01-01T00:00:00Z" \
    "$? $(cat err.txt)"

# --- 72 hours ------------------------------------------------------------------------------
# awk reads the events as they come and, at fixed rounds, changes the failed
# jobs on the target; the pipe holds watch back while awk is busy, so each
# change is seen a few rounds after its round at most. Memory is read from
# /proc at round 1000 and at the end (VmHWM: the peak).
mkfifo events
CUTOVER_SIMULATED_CLOCK=2026-01-01T00:00:00Z "$bin" watch --headless >events 2>watch.err &
pid=$!
awk -v pid="$pid" '
function psql(sql) { system("psql -q -X -d prod -c \"" sql "\" >/dev/null") }
function rss(what) { system("grep -E \"^(VmRSS|VmHWM)\" /proc/" pid "/status | sed \"s/^/" what " /\" >>memory.txt") }
{ print > "out.ndjson" }
/"type":"poll"/ && match($0, /"tick":[0-9]+/) {
    tick = substr($0, RSTART + 7, RLENGTH - 7) + 0
    if (tick >= 1000 && phase == 0) { rss("early"); psql("INSERT INTO jobs (state) SELECT '\''failed'\'' FROM generate_series(1, 12)"); phase = 1 }
    if (tick >= 3000 && phase == 1) { psql("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs LIMIT 5)"); phase = 2 }
    if (tick >= 5000 && phase == 2) { psql("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs LIMIT 2)"); phase = 3 }
    if (tick >= 7000 && phase == 3) { psql("DELETE FROM jobs"); phase = 4 }
    if (tick >= 8600 && phase == 4) { rss("late"); phase = 5 }
}' events
wait "$pid"
check "watch ran the whole session and exited 0" "0" "$?"
[ -s watch.err ] && not_ok "nothing on stderr" "$(head -5 watch.err)"
sql() { sqlite3 -separator ' ' .cutover/state.db "$@"; }

check "8,640 rounds of 30 s: the first at T+0, the last at T+71:59:30" \
    "8640 1 8640 2026-01-01T00:00:00Z 2026-01-03T23:59:30Z" \
    "$(jq -r -s '[.[] | select(.type == "poll")] | "\(map(.tick) | unique | length) \(map(.tick) | min) \(map(.tick) | max) \(.[0].time) \(.[-1].time)"' out.ndjson)"
check "it stopped at 72 h and completed the session with a summary of every poll" \
    "duration 34560 0|34560 0 2 2026-01-01T00:00:00.000Z 2026-01-03T23:59:30.000Z|" \
    "$(jq -r 'select(.type == "stop") | "\(.reason) \(.polls) \(.failed)"' out.ndjson)|$(jq -r 'select(.type == "summary") | "\(.polls) \(.failed) \(.tables) \(.first_sample) \(.last_sample)"' out.ndjson)|"
check "… and so says the workspace" "completed 259200000" \
    "$(sql "SELECT status, summary ->> '\$.duration_ms' FROM sessions")"

# the workspace: the last hour in full, aligned down to 5 minutes; the rest in buckets
check "samples at full resolution: the 130 rounds from T+70:55 (the last hour, to 5 minutes)" \
    "130 2026-01-03T22:55:00.000Z 2026-01-03T23:59:30.000Z" \
    "$(sql "SELECT count(DISTINCT at), min(at), max(at) FROM samples")"
check "older samples are 5-minute buckets: 851 of them, 10 rounds each" \
    "851 2026-01-01T00:00:00.000Z 2026-01-03T22:50:00.000Z 10 10" \
    "$(sql "SELECT count(*), min(bucket), max(bucket), min(n), max(n) FROM sample_buckets WHERE side = 'source' AND object = 'orders' AND metric = 'rows'")"
check "no sample is lost: buckets and samples hold every round of every side" "17280 17280" \
    "$(sql "SELECT (SELECT sum(n) FROM sample_buckets WHERE metric = 'rows' AND object = 'orders') + (SELECT count(*) FROM samples WHERE metric = 'rows' AND object = 'orders'), 2 * 8640")"
check "a bucket keeps min, max and the sum: the probe at 12 failed jobs" "0 12" \
    "$(sql "SELECT CAST(min(min) AS INTEGER), CAST(max(max) AS INTEGER) FROM sample_buckets WHERE object = 'failed_jobs'")"

# the probe and its alert: open at 12 (critical), still open at 7 and at 5
# (above 90 % of the warning level 5), closed at 0
check "failed_jobs is polled every round on the target" "8640 target" \
    "$(jq -r -s '[.[] | select(.type == "probe" and .name == "failed_jobs")] | "\(length) \(map(.side) | unique | join(","))"' out.ndjson)"
check "its values over the session, in order" "0 12 7 5 0" \
    "$(jq -r -s '[.[] | select(.type == "probe" and .name == "failed_jobs") | .value] | reduce .[] as $v ([]; if length > 0 and .[-1] == $v then . else . + [$v] end) | map(tostring) | join(" ")' out.ndjson)"
check "one alert: opened critical at 12, closed only when the jobs were cleared (under 90 % of 5)" \
    "opened critical 12 10|closed critical 0 5|" \
    "$(jq -r 'select(.type == "alert") | "\(.state) \(.level) \(.value) \(.threshold)"' out.ndjson | tr '\n' '|')"
# the round each alert change came in: the probe event just before it
ticks=$(jq -r -s '[foreach .[] as $e ({tick: 0}; if $e.type == "probe" then .tick = $e.tick else . end; if $e.type == "alert" then "\($e.state) \(.tick)" else empty end)] | join("|")' out.ndjson)
opened=$(sed -E 's/^opened ([0-9]+).*/\1/' <<<"$ticks")
closed=$(sed -E 's/.*closed ([0-9]+)$/\1/' <<<"$ticks")
if [ "$opened" -gt 1000 ] && [ "$opened" -lt 1200 ] && [ "$closed" -gt 7000 ] && [ "$closed" -lt 7200 ]; then
    ok "the alert opened after round 1000 and closed after round 7000 (rounds $opened, $closed)"
else
    not_ok "the alert opened after round 1000 and closed after round 7000" "$ticks"
fi
check "the alert log: one alert, opened and closed on the simulated clock" \
    "failed_jobs critical 1 2026-01-01 2026-01-03" \
    "$(sql "SELECT metric, level, count(*), substr(at, 1, 10), substr(closed_at, 1, 10) FROM alerts")"

# business checks every 10 rounds; PostgreSQL's health every round, the target only
check "the business checks ran every 10 rounds and held" "864 0" \
    "$(jq -r -s '[.[] | select(.type == "probe" and .name == "failed_checks")] | "\(length) \(map(.value) | max)"' out.ndjson)"
check "PostgreSQL health every round, on the target only (the source is SQLite)" \
    "connections target 8640|lock_waits target 8640|longest_query target 8640|" \
    "$(jq -r -s '[.[] | select(.type == "probe" and (.name == "connections" or .name == "lock_waits" or .name == "longest_query"))] | group_by(.name)[] | "\(.[0].name) \(map(.side) | unique | join(",")) \(length)"' out.ndjson | tr '\n' '|')"
check "… cutover's own connection counts; no query waited on a lock; no alert for it" "1 0 0" \
    "$(jq -r -s '[.[] | select(.type == "probe")] | "\([.[] | select(.name == "connections") | .value] | min >= 1 | if . then 1 else 0 end) \([.[] | select(.name == "lock_waits") | .value] | max) \([.[] | select(.type == "alert" and .metric == "lock_waits")] | length)"' out.ndjson)"

# the report charts the session: 71 hours in 852 five-minute points, then the last
# hour before the last sample round by round, both ends in (121 rounds of 30 s)
"$bin" report --format json -o report.json || not_ok "report" "exit $?"
check "report: the failed_jobs chart covers the session in 852 + 121 points, peaking at 12" "973 12" \
    "$(jq -r '.hypercare.charts[] | select(.signal == "failed_jobs") | "\(.points | length) \(.points | map(.max) | max)"' report.json)"

# --- the report as one HTML page: it parses, and Chromium draws its charts ----------------
"$bin" report --format html -o report.html || not_ok "report --format html" "exit $?"
xmllint --noout report.html 2>xml.err
check "the HTML page is well-formed (xmllint)" "0 " "$? $(head -3 xml.err)"
check "… and parses as HTML; only the inline SVG's tags are unknown to libxml2's HTML parser" "" \
    "$(xmllint --html --noout report.html 2>&1 | grep 'parser error' | grep -vE 'Tag (svg|rect|polygon|polyline|text) invalid')"
check "one inline SVG chart per chart of the JSON, failed_jobs among them; no external asset" \
    "$(jq '.hypercare.charts | length' report.json) 1 0" \
    "$(grep -c '<svg class="chart"' report.html) $(grep -c 'data-signal="failed_jobs"' report.html) $(grep -cE '(src|href)=' report.html)"
if ! command -v chromium >/dev/null; then
    not_ok "headless Chromium renders the page" "chromium is not installed (Debian package chromium)"
else
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/chromium" \
        --screenshot="$work/shot.png" --window-size=1100,4000 "file://$work/report.html" >chromium.log 2>&1
    read -r pw ph frame band line <<<"$(python3 "${CUTOVER_SRCDIR:?}/tests/png_colours.py" shot.png)"
    if [ "${pw:-0}" = 1100 ] && [ "${ph:-0}" = 4000 ] && [ "${frame:-0}" -gt 200000 ] && [ "${line:-0}" -gt 2000 ]; then
        ok "headless Chromium rendered the page with its charts (frames $frame, band $band, line $line pixels)"
    else
        not_ok "headless Chromium rendered the page with its charts" "screenshot ${pw:-?}x${ph:-?}, frames ${frame:-?}, band ${band:-?}, line ${line:-?}" "$(tail -5 chromium.log)"
    fi
fi

# --- acceptance and decommissioning, after the session ----------------------------------
me=$(id -un)
"$bin" accept --json >areas.json || not_ok "accept --json" "exit $?"
check "five areas, all pending; the evidence measured from the session" \
    "completeness pending false|stability pending true|performance pending true|support pending false|compliance pending false|" \
    "$(jq -r '.[] | "\(.area) \(.status) \(.evidence_ok)"' areas.json | tr '\n' '|')"
check "completeness: every table as decided, no rehearsal run, nothing found live" \
    "4 of 4 tables: the target agrees with the decision on their Pilot data|no rehearsal run completed|hypercare: 0 rows found missing, stale or duplicated by live validation|" \
    "$(jq -r '.[] | select(.area == "completeness") | .evidence[]' areas.json | tr '\n' '|')"
check "stability and support: the checks held, the one alert closed but never acknowledged" \
    "business checks failing: 0 at the last run, 0 at most|0 of 1 alert acknowledged with a note|1 alert during hypercare, 0 still open|" \
    "$(jq -r '.[] | select(.area == "stability" or .area == "support") | .evidence[0]' areas.json | tr '\n' '|')$(jq -r '.[] | select(.area == "stability") | .evidence[1]' areas.json)|"
"$bin" decommission shutdown done >/dev/null 2>err.txt
check "shutdown is refused before acceptance (exit 1)" \
    "1 cutover: shutdown: not yet: 0 of 5 acceptance areas accepted, 0 of 4 checklist items before it done (cutover accept and cutover decommission list them)" \
    "$? $(cat err.txt)"
"$bin" accept support sideways >/dev/null 2>err.txt
check "a bad status names the choices (exit 2)" \
    "2 cutover: support: status 'sideways': expected accepted, rejected or pending" "$? $(cat err.txt)"
for a in completeness stability performance compliance; do
    "$bin" accept "$a" accepted --note "reviewed $a" >/dev/null || not_ok "accept $a" "exit $?"
done
"$bin" accept support rejected --note "two tickets open" >/dev/null
"$bin" accept support accepted --note "tickets closed" >/dev/null
for i in archive code_paths lock_writes document; do
    "$bin" decommission "$i" done --note "did $i" >/dev/null || not_ok "decommission $i" "exit $?"
done
"$bin" decommission shutdown done --note "switched off" >list.txt
check "with every area accepted and every item done, shutdown is checked off" \
    "shutdown      done      $me" "$(grep '^shutdown' list.txt | cut -c1-34 | sed 's/ *$//')"
check "the keep list: what retain and temporary tables keep, and until when" \
    "import_staging (temporary): keep until 2027-03-31|legacy_audit (retain): keep until kept in the Pilot archive (no expiry)|" \
    "$(grep 'keep until' list.txt | sort | tr '\n' '|')"
check "the latest sign-off counts; each one is kept, with who and the note" \
    "accepted $me tickets closed 3" \
    "$("$bin" accept --json | jq -r '.[] | select(.area == "support") | "\(.status) \(.signed_by) \(.note)"') $(sql "SELECT count(*) FROM signoffs WHERE item IN ('support', 'shutdown')")"
check "every sign-off is on the timeline and in the audit log" "11 11" \
    "$(sql "SELECT count(*) FROM runbook_log WHERE step IN ('acceptance', 'decommission')") $(sql "SELECT count(*) FROM audit WHERE action IN ('sign off', 'check off')")"
"$bin" report -o report.md || not_ok "report md" "exit $?"
check "the report: five areas accepted, five items done, the keep list" \
    "5 of 5 areas accepted.|5 of 5 items done.|| import_staging | temporary |  | 2027-03-31 ||" \
    "$(grep -E '^(5 of 5|\| import_staging \| temporary)' report.md | tr '\n' '|')"
check "… each area with its sign-off and statement" \
    "Signed accepted by $me at" "$(grep -A12 '^### Support impact: accepted' report.md | grep -o "^Signed accepted by $me at")"

# --- rollback triggers on what probes measure, judged live ------------------------------
# A check that cannot agree (the target counts one job more) and a limit of one
# connection: both cross at once and stay crossed, each reported exactly once. A
# check whose sums are of no rows on both sides (NULL and NULL) agrees: not counted.
sed -e 's|^workspace *=.*|workspace = trig/state.db|' -e 's|^duration = 72h|duration = 5m\nchecks_every = 1|' \
    cutover.ini >trig.ini
printf '%s\n' '[check jobs_off_by_one]' 'source = SELECT count(*) FROM jobs' \
    'target = SELECT count(*) + 1 FROM jobs' 'tolerance = 0' '[check no_negative_jobs]' \
    'source = SELECT sum(id) FROM jobs WHERE id < 0' 'target = SELECT sum(id) FROM jobs WHERE id < 0' '[rollback]' \
    'trigger.failed_checks = 1' 'trigger.connections = 1' 'authority = carol' >>trig.ini
CUTOVER_SIMULATED_CLOCK=2026-02-01T00:00:00Z "$bin" --plan trig.ini watch --headless >trig.ndjson 2>trig.err
check "a 5-minute session with triggers on failed_checks and connections ran (exit 0)" "0" "$?"
check "both triggers breached once, judged from the probes: failed_checks at 1" \
    "connections breached carol|failed_checks breached 1 carol|" \
    "$(jq -r 'select(.type == "trigger") | "\(.trigger) \(.state)\(if .trigger == "failed_checks" then " \(.value)" else "" end) \(.authority)"' trig.ndjson | sort | tr '\n' '|')"
check "… and on the timeline" "2" \
    "$(sqlite3 trig/state.db "SELECT count(*) FROM runbook_log WHERE step = 'trigger' AND event = 'breached'")"

# --- error_rate: the failed polls of the last 5 minutes, not of the whole session ---------
# The target's jobs table is renamed away from round 60 to round 70 of a 2-hour
# session: its polls fail. A 10 % trigger is breached in the outage and cleared
# within the 5 minutes (10 rounds) after it. Counted over the whole session, the
# failed polls stay under 10 % at every round: never breached.
sed -e 's|^workspace *=.*|workspace = err/state.db|' -e 's|^duration = 72h|duration = 2h|' \
    cutover.ini >err.ini
printf '%s\n' '[rollback]' 'trigger.error_rate = 10%' 'authority = carol' >>err.ini
mkfifo err.fifo
CUTOVER_SIMULATED_CLOCK=2026-03-01T00:00:00Z "$bin" --plan err.ini watch --headless >err.fifo 2>err.err &
pid=$!
awk '
function psql(sql) { system("psql -q -X -d prod -c \"" sql "\" >/dev/null") }
{ print > "err.ndjson" }
/"type":"poll"/ && match($0, /"tick":[0-9]+/) {
    tick = substr($0, RSTART + 7, RLENGTH - 7) + 0
    if (tick >= 60 && phase == 0) { psql("ALTER TABLE jobs RENAME TO jobs_away"); phase = 1 }
    if (tick >= 70 && phase == 1) { psql("ALTER TABLE jobs_away RENAME TO jobs"); phase = 2 }
}' err.fifo
wait "$pid"
check "a 2-hour session with an outage of one table ran (exit 0)" "0" "$?"
check "the failed polls: the target's jobs only, from round 60 on, for 5 rounds or more" \
    "jobs target true" \
    "$(jq -r -s 'map(select(.type == "poll" and .error != null)) |
        "\(map(.table) | unique | join(",")) \(map(.side) | unique | join(",")) \((map(.tick) | min) >= 60 and length >= 5)"' err.ndjson)"
# the round of each trigger change: the poll event just before it
changes=$(jq -r -s '[foreach .[] as $e ({tick: 0}; if $e.type == "poll" then .tick = $e.tick else . end;
    if $e.type == "trigger" and $e.trigger == "error_rate" then "\($e.state) \(.tick)" else empty end)] | join("|")' err.ndjson)
last_failed=$(jq -s 'map(select(.type == "poll" and .error != null) | .tick) | max' err.ndjson)
check "error_rate breached in the outage and cleared within 12 rounds of its last failed poll" \
    "breached true|cleared true" \
    "$(awk -v lf="$last_failed" -F'|' '{ split($1, b, " "); split($2, c, " ");
        printf "%s %s|%s %s", b[1], (b[2] >= 60 && b[2] <= lf) ? "true" : "false",
                             c[1], (c[2] > lf && c[2] <= lf + 12) ? "true" : "false" }' <<<"$changes")"

# bounded: memory between round 1000 and the end, and the workspace's size
wal_size=$(($(stat -c %s .cutover/state.db) + $(stat -c %s .cutover/state.db-wal 2>/dev/null || echo 0)))
sqlite3 .cutover/state.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
size=$(stat -c %s .cutover/state.db)
read -r early late <<<"$(awk '/VmRSS/ { v[$1] = $3 } END { print v["early"], v["late"] }' memory.txt)"
echo "# memory (VmRSS) at round 1000: ${early} kB, at round 8600: ${late} kB; workspace ${size} bytes (${wal_size} with its WAL before a checkpoint)"
if [ "$size" -lt $((6 * 1024 * 1024)) ]; then ok "the workspace stays under 6 MB after 72 h (${size} bytes)"; else not_ok "the workspace stays under 6 MB" "$size bytes"; fi
if [ "${CUTOVER_SANITIZERS:-no}" = yes ]; then
    ok "# skip memory growth under AddressSanitizer (its quarantine holds freed memory)"
elif [ -n "$early" ] && [ -n "$late" ] && [ "$late" -lt $((early + 4096)) ]; then
    ok "memory grows by less than 4 MB from round 1000 to round 8600 (${early} → ${late} kB)"
else
    not_ok "memory grows by less than 4 MB from round 1000 to round 8600" "$(cat memory.txt)"
fi
finish
