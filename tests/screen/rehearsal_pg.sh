#!/bin/bash
# The Rehearsal panel running rehearsals from the dashboard on the demo: a run's
# tables (the zoomed panel against tests/screen/golden/rehearsal.txt) and
# discrepancies, classified, owned and noted, carried to the next run; a run
# cancelled with Esc and with q; a workspace locked by another process while a
# run writes; a run on connections of its own. Run by tests/harness.sh (the
# PostgreSQL targets).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

# --- the rehearsal panel: a run from the dashboard, its tables and discrepancies ---------
cp -r pristine rehearse
start rh 130 36 "$work/rehearse"
wait_for rh "Mapping 12/42 approved ─"
keys rh 3 z
expect_text "no run yet" rh "No rehearsal recorded yet: press r to run one."
keys rh r
expect_text "r runs a rehearsal" rh "✗ run 1 fail: 17 missing, 1 extra, 35 changed"
expect_text "the header's phase" rh "REHEARSAL 1"
expect_text "per-table results, the source column as wide as its names (the checks' too)" rh \
    "┃users                      app_users                3         1         35     1425     1423 ✗ fail"
golden "the run's tables: the whole screen, as its golden copy" rh screen/golden/rehearsal.txt
keys rh g j Enter  # api_keys: a lost foreign key and its orphans, among the rows
expect_text "a table's structural findings, listed as its discrepancies" rh \
    "┃api_keys      orphan     api_keys(user_id) -> users(id) 32 rows of api_credentials point throu… -"
keys rh j Enter
expect_text "Enter: a structural finding says what it found" rh \
    "✗ 32 rows of api_credentials point through (user_id) at no row of app_users (a foreign key the target lost)"
expect_text "… with its sample" rh "sample: credential_id=25, credential_id=30, credential_id=47"
keys rh Escape Escape
keys rh G k k Enter g  # the last table: the demo's two checks come after the tables
expect_text "Enter: the table's discrepancies" rh "run 1, discrepancies of users"
keys rh / i d = 4 1 Enter Enter
expect_text "a changed row: the differing field, its rule, source beside target" rh "≠ email → email                regex:^[^@]+@[^@ NULL                           unknown-41@invalid"
expect_text "… and the other fields, equal under their rules" rh "  created_at → created_at      ts:s             2023-02-21T21:38:00.250        2023-02-21 21:38:00"
keys rh Escape
keys rh / 9 9 9 9 9 9 Enter Enter
expect_text "Enter: one discrepancy" rh "users → app_users id=999999: extra"
keys rh Escape c 6
expect_text "c classifies" rh "discrepancy users extra id=999999 (run 1): class accepted_variance, recorded"
keys rh o
T send-keys -t rh -l "bob"; sleep 0.2
keys rh Enter
expect_text "o sets the owner" rh "discrepancy users extra id=999999 (run 1): owner bob, recorded"
keys rh e
T send-keys -t rh -l "a test row of the Pilot"; sleep 0.2
keys rh Enter
expect_text "e the decision note" rh "discrepancy users extra id=999999 (run 1): note a test row of the Pilot, recorded"
keys rh Escape r
expect_text "a second run" rh "✗ run 2 fail: 17 missing, 1 extra, 35 changed"
expect_text "the trend compares the runs" rh "run 2 vs 1: 59 → 59 open"
keys rh z G k k Enter / 9 9 9 9 9 9 Enter
expect_text "the class is carried to run 2" rh "┃users         extra     id=999999       "
row_999999() { screen rh | grep -oE "id=999999 +[a-z_]+" | tr -s ' '; }
eventually "… as accepted_variance" "id=999999 accepted_variance" row_999999
# many at once: the filter keeps the e-mail discrepancies (the changed rows and the
# e-mails' NULL share), M marks them all, c classifies them
keys rh f e m a i l Enter M
expect_text "M marks every discrepancy the filter shows" rh "36 discrepancies marked"
keys rh c 2
expect_text "c asks once for all of them" rh "Set class transformation_bug for the 36 marked discrepancies?"
keys rh y
expect_text "… and classifies each" rh "36 discrepancies: class transformation_bug, each recorded"
T kill-session -t rh
[ "$(sqlite3 -cmd ".timeout 5000" rehearse/.cutover/state.db "SELECT count(*) FROM runs WHERE status = 'done'")" = 2 ] &&
    ok "two runs recorded" || not_ok "two runs recorded"
check "class, owner and note carried to run 2's copy of the discrepancy, and audited" \
    "accepted_variance|bob|a test row of the Pilot
39" \
    "$(sqlite3 -cmd ".timeout 5000" rehearse/.cutover/state.db "SELECT class, owner, decision FROM discrepancies
        WHERE run_id = 2 AND key_json = '{\"id\":999999}'; SELECT count(*) FROM audit WHERE action = 'discrepancy'")"
check "the 36 e-mail discrepancies of run 2 (35 changed rows, the NULL share) classified at once, each its own audit entry" "36 36" \
    "$(sqlite3 -cmd ".timeout 5000" rehearse/.cutover/state.db "SELECT (SELECT count(*) FROM discrepancies
        WHERE run_id = 2 AND class = 'transformation_bug' AND fields_json LIKE '%email%') || ' ' ||
        (SELECT count(*) FROM audit WHERE new_value = 'class transformation_bug')")"
# Esc cancels a run: reading invoice_lines slowed by a transform that makes 1 MB of
# randomness a row and keeps none of it (only the diff evaluates transforms)
slow_sheet() {  # slow_sheet SHEET: the demo's sheet, invoice_lines read so
    sed -i 's/^\(invoice_lines\.description,invoice_lines\.description\),,/\1,"description || substr(randomblob(1000000 + 0 * line_no), 1, 0)",/' "$1"
}
cp -r pristine cancel
slow_sheet cancel/mapping.csv
start cx 130 36 "$work/cancel"
wait_for cx "Mapping 12/42 approved ─"
keys cx 3 z
wait_for cx "No rehearsal recorded yet: press r to run one."
keys cx r
expect_text "a run shows its progress while it runs" cx "running: invoice_lines "
keys cx Escape
expect_text "Esc cancels it" cx "run 1 cancelled:"
T kill-session -t cx
check "… recorded as cancelled, with no result for the table cut short" "cancelled 0" \
    "$(sqlite3 -cmd ".timeout 5000" -separator ' ' cancel/.cutover/state.db "SELECT status, (SELECT count(*) FROM results WHERE object = 'invoice_lines') FROM runs")"

# The workspace locked by another process past 5 s while a run writes: each
# failed write on the message line (not on stderr, over the screen), the run
# recorded incomplete, saying why. Gated, not timed: the target is PostgreSQL
# and two of its tables are locked by psql sessions, so the run waits on
# invoices until the workspace is held, then on app_users (the source's users)
# until it is released again. Live polling is set to once an hour so that only
# the run writes meanwhile.
lock_table() {  # lock_table FD TABLE: a psql session on fd FD holds TABLE of screen_wsl until unlock FD
    mkfifo "wslock/$2.fifo" || exit 99
    psql -X -At -d screen_wsl <"wslock/$2.fifo" >"wslock/$2.out" 2>&1 &
    eval "exec $1>wslock/$2.fifo"
    echo "BEGIN; LOCK TABLE $2 IN ACCESS EXCLUSIVE MODE; SELECT 'held';" >&"$1"
    for _ in $(seq 100); do grep -q held "wslock/$2.out" && break; sleep 0.1; done
}
unlock() { echo "COMMIT;" >&"$1"; eval "exec $1>&-"; }
createdb screen_wsl || exit 99
"$bin" demo wslock --target dbname=screen_wsl >/dev/null || exit 99
# the two accounts the copy left out put back, so that invoices has nothing to
# queue: its result is the first write the held workspace refuses (a lost one);
# the tables whose structural checks read invoices or app_users (their foreign
# keys) retained, so that only those tables' own reads wait on the locks
sqlite3 -csv wslock/pilot.db "SELECT id, name, lower(coalesce(plan, 'free')), country,
    strftime('%Y-%m-%d %H:%M:%S', created) FROM accounts WHERE id IN (17, 101)" |
    psql -X -q -d screen_wsl -c "\\copy accounts FROM STDIN (FORMAT csv)" || exit 99
for t in api_keys invoice_lines; do
    sed -i "/^\[table $t\]/,/^\[/ s/^decision *= *migrate/decision = retain/" wslock/cutover.ini
done
sed -i 's/^interval *= 30s/interval         = 1h/' wslock/cutover.ini
start wl 250 36 "$work/wslock"
wait_for wl "Mapping 12/42 approved ─"
keys wl 3 z
wait_for wl "No rehearsal recorded yet: press r to run one."
lock_table 7 invoices
lock_table 8 app_users
keys wl r
wait_for wl "running: invoices "
hold_workspace wslock/.cutover/state.db
unlock 7
expect_text "a failed workspace write: said on the message line, naming the run" wl \
    " run 1: $locked" 60
expect_no_text "… not written over the screen" wl "cutover: .cutover/state.db"
release_workspace wslock/.cutover/state.db
unlock 8
expect_text "… the run's end saying it is recorded incomplete, and why" wl \
    " — recorded incomplete: $locked" 60
expect_no_text "… nothing written over the screen" wl "cutover: .cutover/state.db"
T kill-session -t wl
check "… the run recorded incomplete, its note saying why" \
    "incomplete|$locked" \
    "$(sqlite3 -cmd ".timeout 5000" wslock/.cutover/state.db "SELECT status || '|' || note FROM runs")"

# q during a run: the run is cancelled and recorded so, live polling is closed,
# and the dashboard exits 0 (it once freed the workspace under the run)
cp -r pristine quitrun
cp cancel/mapping.csv quitrun/mapping.csv
start qr 130 36 "$work/quitrun"
wait_for qr "Mapping 12/42 approved ─"
keys qr 3 z
wait_for qr "No rehearsal recorded yet: press r to run one."
keys qr r
wait_for qr "running: invoice_lines "
keys qr q
expect_text "q during a run: the dashboard exits 0" qr "EXIT=0"
check "… the run recorded cancelled, the dashboard's polling session closed" \
    "cancelled|closed|" \
    "$(sqlite3 -cmd ".timeout 5000" quitrun/.cutover/state.db "SELECT status FROM runs;
        SELECT status FROM sessions WHERE kind = 'dashboard'" | tr '\n' '|')"
T kill-session -t qr

# A run reads on connections of its own (a day per statement), not on the
# dashboard's (an hour, and busy with its polls): the same slow run, on a
# PostgreSQL target, watched from pg_stat_activity
createdb screen_run || exit 99
"$bin" demo runpg --target dbname=screen_run >/dev/null || exit 99
slow_sheet runpg/mapping.csv
sessions() {
    psql -X -At -d screen_run -c "SELECT count(*) FROM pg_stat_activity
        WHERE datname = 'screen_run' AND application_name = 'cutover'"
}
start rp 130 36 "$work/runpg"
wait_for rp "Mapping 12/42 approved ─"
keys rp 3 z
wait_for rp "No rehearsal recorded yet: press r to run one."
# the dashboard's connections to the target: its own (catalogs) and live
# polling's; each job opens its own (the mapping review at its first preview)
for _ in $(seq 100); do [ "$(sessions)" = 2 ] && break; sleep 0.1; done
check "before a run: the dashboard's and live polling's connections to the target" \
    2 "$(sessions)"
keys rp r
expect_text "a run on a PostgreSQL target shows its progress" rp "running: invoice_lines "
check "during the run: a connection of its own beside them" 3 "$(sessions)"
keys rp Escape
expect_text "Esc cancels it" rp "run 1 cancelled:"
for _ in $(seq 100); do [ "$(sessions)" = 2 ] && break; sleep 0.1; done
check "after the run: its connection closed, the others still there" 2 "$(sessions)"
T kill-session -t rp

finish
