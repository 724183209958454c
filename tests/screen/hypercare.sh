#!/bin/bash
# Hypercare from the dashboard, on the demo (polled every second): H starts
# the session in the Cutover panel, which shows its clock and alerts; q asks
# whether to keep it open; cutover watch takes it over and the dashboard
# shows it, refusing H until that watch stops, then resumes it; q ends it
# early, completed with its summary; a session whose time is up completes in
# the dashboard. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo
cd "$work/demo" || exit 99
sed -i 's/^interval *=.*/interval = 1s/' cutover.ini
ws() { sqlite3 -cmd ".timeout 5000" "$work/demo/.cutover/state.db" "$1"; }

# --- H starts it; the panel becomes the hypercare view ------------------------------
start hc 130 40 "$work/demo"
wait_for hc "src ● tgt ●"
keys hc 4 z
keys hc H
expect_text "H: the session starts here, its clock in the panel's title" hc \
    "┏ 4 Cutover / Hypercare T+00:00:0"
hs=$(ws "SELECT id FROM sessions WHERE kind = 'hypercare'")  # the dashboard's own come first
expect_text "… who records it, and what q will ask" hc \
    "of 72h, session $hs, recorded by this dashboard (q asks whether to keep it open)"
expect_text "… the header's phase" hc "HYPERCARE T+00:00:"
expect_text "… the plan's alerts raised, to acknowledge" hc \
    "ALERT drift_rows critical since"
check "… on the timeline: started in the dashboard" "started|T+00:00:00 of 72h, every 1s, in the dashboard" \
    "$(ws "SELECT event || '|' || output FROM runbook_log WHERE step = 'hypercare'")"
keys hc H
expect_text "H again: already recorded here" hc "hypercare is already recorded by this dashboard"

# --- q: keep it open, for cutover watch ------------------------------------------------
keys hc q
expect_text "q asks what becomes of the session" hc \
    "Quit: this dashboard records the hypercare session"
expect_text "… keep it open" hc "1 Keep the session open: cutover watch, or a dashboard's H, resumes it"
keys hc 1
expect_text "… kept: the dashboard closes" hc "EXIT=0"
T kill-session -t hc
check "the session left open, interrupted, on the timeline" "$hs|hypercare|interrupted|interrupted" \
    "$(ws "SELECT id, kind, status FROM sessions WHERE kind = 'hypercare'")|$(ws "SELECT event FROM runbook_log WHERE step = 'hypercare' ORDER BY id DESC LIMIT 1")"

# --- cutover watch takes it over; the dashboard shows it ---------------------------------
"$bin" watch --for 60s >watch.out 2>&1 &
watcher=$!
for _ in $(seq 100); do grep -q "resumed" watch.out && break; sleep 0.1; done
check "cutover watch resumes the dashboard's session" "1" "$(grep -c "hypercare session $hs resumed" watch.out)"
start hc2 130 40 "$work/demo"
wait_for hc2 "src ● tgt ●"
keys hc2 4 z
expect_text "the dashboard shows the session watch records" hc2 \
    "session $hs, recorded by cutover watch: H takes it over once that watch stops"
keys hc2 H
expect_text "H while watch records it: refused, saying why" hc2 \
    "cutover watch records hypercare on this workspace: the dashboard shows its session; stop that"
kill -TERM "$watcher"
wait "$watcher"
keys hc2 H
expect_text "watch stopped: H takes the session over" hc2 "recorded by this dashboard (q asks"
check "… resumed in the dashboard, on the timeline" "resumed" \
    "$(ws "SELECT event FROM runbook_log WHERE step = 'hypercare' ORDER BY id DESC LIMIT 1")"

# --- q: end it now ----------------------------------------------------------------------
keys hc2 q
expect_text "q asks again" hc2 "2 End the session now: completed, summed up in the report"
keys hc2 2
expect_text "… ended: the dashboard closes" hc2 "EXIT=0"
T kill-session -t hc2
check "the session completed, with its summary" "completed|1" \
    "$(ws "SELECT status, summary IS NOT NULL FROM sessions WHERE id = $hs")"
check "… ended early by the lead, on the timeline" "1" \
    "$(ws "SELECT count(*) FROM runbook_log WHERE step = 'hypercare' AND event = 'completed' AND output LIKE '%ended early by the lead, recorded by the dashboard'")"

# --- a session whose time is up completes in the dashboard ----------------------------
sed -i 's/^duration *=.*/duration = 4s/' cutover.ini
start hc3 130 40 "$work/demo"
wait_for hc3 "src ● tgt ●"
keys hc3 4 z H
expect_text "a new session: the plan's duration" hc3 "of 4s, session "
expect_text "its time up: complete, said" hc3 \
    "hypercare session complete: recorded in the workspace, in the report" 15
check "… completed in the workspace, with its summary" "completed|1" \
    "$(ws "SELECT status, summary IS NOT NULL FROM sessions WHERE kind = 'hypercare' ORDER BY id DESC LIMIT 1")"
keys hc3 q
expect_text "nothing recorded here any more: q quits at once" hc3 "EXIT=0"

finish
