#!/bin/bash
# Live figures in the Cutover panel, on a SQLite pair the test changes: counts,
# delta, lag, validation of each watermark window, a probe, rollback triggers,
# hypercare's alert (from watch --headless) acknowledged with a note and
# exported, trends over 12 rounds, the hour and the session, polling paused,
# and what the workspace keeps of it all. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- live figures: counts, delta, validation of each watermark window, triggers ---------
mkdir live
sqlite3 live/src.db "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount TEXT, updated_at TEXT);
    INSERT INTO orders VALUES (1, '1.50', '2026-01-01T00:00:01Z'), (2, '2.50', '2026-01-01T00:00:02Z'),
                              (3, '3.50', '2026-01-01T00:00:03Z')"
cp live/src.db live/tgt.db
(cd live && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
sed -i 's/^decision = undecided/decision = migrate\nwatermark = updated_at/' live/cutover.ini
printf '[step open]\ntitle = Open Production\nowner = alice\n[rollback]\ntrigger.missing_rows = 1\nauthority = carol\n[hypercare]\ninterval = 1s\nalert.drift_rows = 1\nbell = yes\n' >>live/cutover.ini
printf '[probe dear_orders]\nside = source\nsql = SELECT count(*) FROM orders WHERE amount > 5\n' >>live/cutover.ini
start live 130 36 "$work/live"
wait_for live "src ● tgt ●"
keys live 4 z
row() { printf '%-16s %8s %8s %6s %11s' "$@"; }  # TABLE SOURCE TARGET DELTA LAG, as drawn
expect_text "a migrated table's live figures" live "$(row orders 3 3 0 0s)"
expect_text "no change yet to validate" live "✓ no change to check yet"
probe_row() { printf '%-16s %-8s %12s' "$@"; }  # SIGNAL SIDE VALUE, as drawn
expect_text "a probe of the plan, polled every round" live "$(probe_row dear_orders source 0)"
expect_no_text "no business checks in the plan: no failed_checks signal" live "failed_checks"
check "no bell while no alert is open" 0 "$(T display -p -t live '#{window_bell_flag}')"
expect_text "the triggers measured live, not advising before the first step is done" live \
    "triggers: ✓ missing_rows 0/1"
expect_text "… as the advice line above them says" live \
    "rollback triggers advise once open is done: until then Production is being filled"
# the source moves on: one row inserted, one updated, neither copied
sqlite3 live/src.db "INSERT INTO orders VALUES (4, '4.50', '2026-01-01T00:00:04Z');
    UPDATE orders SET amount = '9.99', updated_at = '2026-01-01T00:00:05Z' WHERE id = 2"
expect_text "the delta and the lag follow" live "$(row orders 4 3 1 2s)"
expect_text "the next window finds the row missing and the update stale" live "1 missing 1 stale 0 dup of 2"
expect_text "the delta's trend rises" live "▁█"
expect_text "the probe follows the source" live "$(probe_row dear_orders source 1)"
(cd live && exec "$bin" watch --headless --interval 1s >watch.ndjson 2>watch.err) &
watch_pid=$!
for _ in $(seq 100); do  # until hypercare has seen the breach, before the dashboard advises
    [ "$(sqlite3 -cmd ".timeout 5000" live/.cutover/state.db "SELECT count(*) FROM runbook_log
        WHERE step = 'trigger' AND output LIKE '%seen by hypercare%'")" = 1 ] && break
    sleep 0.1
done
keys live r y
expect_text "after the first step, live triggers advise rollback" live \
    "ROLLBACK ADVISED: missing_rows 1 >= 1 (live); the call is carol's"
expect_text "the trigger status line marks it" live "triggers: ✗ missing_rows 1/1"
for _ in $(seq 50); do grep -q '"event":"done"' live/watch.ndjson && break; sleep 0.1; done
kill -TERM "$watch_pid"; wait "$watch_pid"
check "watch --headless streams the steps the dashboard runs, with who did them" \
    "open go $(id -un)|open start $(id -un)|open done $(id -un)|" \
    "$(jq -r 'select(.type == "step") | "\(.step) \(.event) \(.user)"' live/watch.ndjson | tr '\n' '|')"
# the watch raised a drift alert: the dashboard shows it and acknowledges it
expect_text "hypercare's open alert in the panel" live "▲ ALERT drift_rows critical since"
expect_text "… waiting for an acknowledgement" live "drift_rows 1; not acknowledged (a)"
eventually "a new alert rings the terminal's bell (bell = yes)" 1 T display -p -t live '#{window_bell_flag}'
keys live a
expect_text "a asks for a note" live "acknowledge drift_rows critical: note:"
T send-keys -t live -l "syncing the last row"; sleep 0.2
keys live Enter
expect_text "acknowledged, by whom" live "drift_rows 1; acknowledged by $(id -un)"
expect_text "… with the note" live "    note: syncing the last row"
check "the acknowledgement is in the alert log, the audit log and the timeline" \
    "$(id -un) syncing the last row|acknowledge alert 1|alert acknowledged|" \
    "$(sqlite3 -cmd ".timeout 5000" live/.cutover/state.db "SELECT acknowledged_by || ' ' || note FROM alerts;
        SELECT action || ' ' || object FROM audit WHERE action = 'acknowledge';
        SELECT step || ' ' || event FROM runbook_log WHERE event = 'acknowledged'" | tr '\n' '|')"
keys live a
expect_text "nothing left to acknowledge" live "no open alert waits for an acknowledgement"
keys live e
expect_text "e exports the acceptance report beside the plan" live "the acceptance report is in acceptance-report.md"
check "… with the alert, acknowledged, and the note" 1 \
    "$(grep -cE "^\| [^|]+ \| drift_rows \| critical \| 1 \|  \| $(id -un) \| syncing the last row \|$" live/acceptance-report.md)"
# the sync catches up: the target gets both rows
sqlite3 live/tgt.db "INSERT INTO orders VALUES (4, '4.50', '2026-01-01T00:00:04Z');
    UPDATE orders SET amount = '9.99', updated_at = '2026-01-01T00:00:05Z' WHERE id = 2"
expect_text "caught up: delta and lag back to zero" live "$(row orders 4 4 0 0s)"
expect_text "the delta's trend falls" live "█▁"
expect_text "the trigger clears" live "triggers: ✓ missing_rows 0/1"
keys live t
expect_text "t: the trend over the last hour" live "MS HOUR"
keys live t
expect_text "t again: over the whole session" live "MS SESSION"
keys live t
expect_text "… and back to the last 12 rounds" live "MS 12 ROUNDS"
keys live Space
expect_text "Space pauses live polling too" live "live polling paused (Space resumes)"
sqlite3 live/src.db "UPDATE orders SET amount = '1.00' WHERE id = 2"
keys live Space
expect_text "resumed: the figures come back" live "$(row orders 4 4 0 0s)"
# … and the sparklines begin with the open hypercare session's recorded rounds
# (watch's: delta 1, one dear order), then the dashboard's own (delta 0, and no
# dear order since the pause)
hc_n() {
    sqlite3 -cmd ".timeout 5000" live/.cutover/state.db "SELECT count(*) FROM samples
        JOIN sessions ON sessions.id = samples.session WHERE kind = 'hypercare' AND metric = '$1'"
}
trend_of() { screen live | grep -E "┃$1 " | grep -oE '[▁▂▃▄▅▆▇█]+' | head -1; }
expect_trend() {  # expect_trend NAME ROW N: N full cells then low ones (10 s at most)
    for _ in $(seq 100); do
        [[ $3 -ge 1 && "$(trend_of "$2")" =~ ^█{$3}▁+$ ]] && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "hypercare values: $3" "trend: $(trend_of "$2")"
}
expect_trend "after a resume the delta's trend begins with hypercare's rounds" orders "$(hc_n missing)"
expect_trend "… and the probe's with hypercare's values" dear_orders "$(hc_n probe)"
live_ws() { sqlite3 -cmd ".timeout 5000" live/.cutover/state.db "$1"; }
check "the findings are in the workspace with their window" \
    "missing {\"id\":4} 2026-01-01T00:00:03Z 2026-01-01T00:00:05Z|stale {\"id\":2} 2026-01-01T00:00:03Z 2026-01-01T00:00:05Z|" \
    "$(live_ws "SELECT kind, key_json, window_from, window_to FROM live_findings ORDER BY kind" | tr '|' ' ' | tr '\n' '|')"
check "the trigger's crossings are on the timeline, with who saw them and whether they advised" \
    "trigger breached dashboard not advised|trigger breached hypercare advised|trigger breached dashboard advised|trigger cleared dashboard not advised|" \
    "$(live_ws "SELECT step || ' ' || event || ' ' || CASE WHEN output LIKE '%seen by hypercare%' THEN 'hypercare'
        WHEN output LIKE '%seen by dashboard%' THEN 'dashboard' END || CASE WHEN output LIKE '%ROLLBACK ADVISED%'
        THEN ' advised' ELSE ' not advised' END FROM runbook_log WHERE step = 'trigger' ORDER BY id" | tr '\n' '|')"
check "the polling sessions are recorded: the dashboard's, paused and resumed, and watch's" \
    "dashboard paused|hypercare interrupted|dashboard running|" \
    "$(live_ws "SELECT kind || ' ' || status FROM sessions ORDER BY id" | tr '\n' '|')"
T kill-session -t live

finish
