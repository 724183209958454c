#!/bin/bash
# The Cutover / Hypercare panel: the demo's panel zoomed (120x40) against
# tests/screen/golden/cutover.txt; [rollback] after = load (triggers advise
# only once the step that fills the target is done); a step's command and
# output holding a password, masked everywhere; WRITES of a table without a
# watermark; a phased plan's waves as a strip. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

# --- the panel, whole, after the first live round -------------------------------------
start whole 120 40 "$work/demo"
wait_for whole "Mapping 12/42 approved ─"  # the background lint is done
wait_for whole "✗ missing_rows 6/1"        # the first live round is in
keys whole 4 z
golden "the zoomed Cutover panel, as its golden copy" whole screen/golden/cutover.txt
T kill-session -t whole

# --- [rollback] after = load: triggers advise once the step that fills the target is
# done, not from the freeze before it, nor from a rehearsal run before it, nor from a
# round polled while the load ended
mkdir after
sqlite3 after/src.db "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount TEXT); INSERT INTO orders VALUES (1, '1.50'), (2, '2.50')"
sqlite3 after/tgt.db "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount TEXT)"
(cd after && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
sed -i 's/^decision = undecided/decision = migrate/' after/cutover.ini
printf '[step freeze]\ntitle = Freeze the pilot\n[step load]\ntitle = Load production\nrun = sqlite3 tgt.db "INSERT INTO orders VALUES (1, %s)"\n[step open]\ntitle = Open\n' "'1.50'" >>after/cutover.ini
printf '[rollback]\ntrigger.missing_rows = 1\nauthority = carol\nafter = load\n[hypercare]\ninterval = 1s\n' >>after/cutover.ini
start after 130 36 "$work/after"
wait_for after "src ● tgt ●"
keys after 3 r
expect_text "a rehearsal before the cutover: 2 missing" after "run 1 fail: 2 missing"
keys after 4 z
expect_text "before load: the advice line says from when the triggers advise" after \
    "rollback triggers advise once load is done: until then Production is being filled"
expect_text "… the trigger line below it, once, without saying it again" after \
    "triggers: ✗ missing_rows 2/1"
check "… said once on the screen" 1 "$(screen after | grep -c 'advise once load is done')"
expect_text "the header's phase before the runbook" after "REHEARSAL 1  every 1s"
keys after r y
expect_text "freeze done …" after "┃ 1 ✓ done          freeze"
expect_text "… the header's phase: the cutover has begun" after "CUTOVER  every 1s"
expect_text "… the target still being filled: no advice yet" after \
    "rollback triggers advise once load is done: until then Production is being filled"
expect_no_text "… no ROLLBACK ADVISED" after "ROLLBACK ADVISED"
keys after r y
expect_text "load done: the trigger still breached advises rollback, at its value after the load" \
    after "ROLLBACK ADVISED: missing_rows 1 >= 1 (live); the call is carol's"
expect_text "… and the trigger line no longer waits" after "triggers: ✗ missing_rows 1/1"
check "the timeline: breached without advice while the target was filled, then advised from a round after the load" \
    "breached missing_rows 2 (limit 1), seen by dashboard; no advice before load is done|freeze go|freeze start|freeze done|load go|load gate go|load start|load done|breached missing_rows 1 (limit 1), seen by dashboard: ROLLBACK ADVISED, the call is carol's|" \
    "$(sqlite3 -cmd ".timeout 5000" after/.cutover/state.db "SELECT CASE step WHEN 'trigger' THEN event || ' ' || output
        ELSE step || ' ' || event END FROM runbook_log ORDER BY id" | tr '\n' '|')"
sqlite3 after/tgt.db "INSERT INTO orders VALUES (2, '2.50')"
expect_text "the last row loaded: the trigger clears" after "triggers: ✓ missing_rows 0/1"
expect_text "… and nothing advises: the run before the load does not count" after \
    "✓ no rollback trigger breached, live or by a run since load was done"
T kill-session -t after

# --- a step's command and output holding a password: masked on screen, on the timeline,
# in the workspace and the report
mkdir secret
sqlite3 secret/src.db "CREATE TABLE t (id INTEGER PRIMARY KEY)"
cp secret/src.db secret/tgt.db
(cd secret && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
cat >>secret/cutover.ini <<'EOF'
[step load]
title = Load
run = PGPASSWORD=hunter2 sh -c 'echo "loading into postgresql://app:hunter2@db1/prod"; printf "retry postgresql://app:hun"; sleep 0.5; echo "ter2@db1/prod"'
rollback = psql "host=db1 password=hunter2" -c 'TRUNCATE t'
EOF
start secret 130 36 "$work/secret"
wait_for secret "src ● tgt ●"
keys secret 4 z r y
expect_text "the step ran …" secret "┃ 1 ✓ done          load"
keys secret Enter
expect_text "… its command masked" secret "command: PGPASSWORD=*** sh -c 'echo \"loading into postgresql://app:***@db1/prod\"; printf"
expect_text "… its rollback masked" secret "rollback: psql \"host=db1 password=***\" -c 'TRUNCATE t'"
expect_text "… its output masked" secret "loading into postgresql://app:***@db1/prod"
expect_text "… a password the pipe gave in two reads too" secret "retry postgresql://app:***@db1/prod"
expect_no_text "… the password nowhere on screen" secret "hunter2"
T kill-session -t secret
(cd secret && "$bin" report -o report.md && "$bin" timeline >timeline.txt) || exit 99
check "nor in the workspace, the timeline or the report: masked there too" "0 0 0 0 1 3" \
    "$(sqlite3 secret/.cutover/state.db .dump | grep -c hunter2) $(sqlite3 secret/.cutover/state.db "SELECT count(*) FROM runbook_log WHERE event = 'output' AND output LIKE '%app:hun%'") $(grep -c hunter2 secret/timeline.txt) $(grep -c hunter2 secret/report.md) $(grep -c 'app:\*\*\*@db1' secret/timeline.txt) $(sqlite3 secret/.cutover/state.db "SELECT count(*) FROM runbook_log WHERE output LIKE '%app:***@db1%'")"

# --- a table without a watermark: WRITES is the net change of its count, signed ---------
mkdir nowm
sqlite3 nowm/src.db "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'a')"
cp nowm/src.db nowm/tgt.db
(cd nowm && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
sed -i 's/^decision = undecided/decision = migrate/' nowm/cutover.ini
printf '[hypercare]\ninterval = 1s\n' >>nowm/cutover.ini
start nowm 130 30 "$work/nowm"
wait_for nowm "src ● tgt ●"
keys nowm 4 z
writes_row() { printf '%-16s %8s %8s %6s %11s %6s' "$@"; }  # … LAG WRITES, as drawn
expect_text "no watermark: no writes yet" nowm "$(writes_row notes 1 1 0 - +0)"
sqlite3 nowm/src.db "INSERT INTO notes VALUES (2, 'b'), (3, 'c'), (4, 'd')"
expect_text "… three rows inserted on the source: +3" nowm "$(writes_row notes 4 1 3 - +3)"
sqlite3 nowm/src.db "DELETE FROM notes WHERE id > 2"
expect_text "… two deleted: -2" nowm "$(writes_row notes 2 1 1 - -2)"
T kill-session -t nowm

# --- a phased plan: the waves as a strip above the runbook, each state as the
# workspace has it, moved ones with where their truth lives now
cp -r demo phased
cat >>phased/cutover.ini <<'EOF'
[wave reference]
tables = subscriptions
[wave cohort-1]
tables = accounts, users
where  = id % 2 = 0
truth  = both
[wave cohort-2]
tables = accounts, users
where  = id % 2 = 1
EOF
sed -i '/^\[step copy\]/a wave = cohort-1' phased/cutover.ini
(cd phased && "$bin" wave reference start >/dev/null && "$bin" wave reference moved >/dev/null &&
    "$bin" wave cohort-1 start >/dev/null) || exit 99
start phased 130 36 "$work/phased"
wait_for phased "src ● tgt ●"
keys phased 4 z
expect_text "the waves above the runbook: moved, moving, planned" phased \
    "waves: reference ✓ moved (truth: production) · cohort-1 ◐ moving · cohort-2 planned"
expect_text "the runbook grouped by wave: where a wave's steps begin, its state" phased \
    " 2 cohort-1 ◐ moving     · pending       copy      Copy the data into Production"
expect_text "… a step of no wave says so" phased " 1 -                     · pending       freeze    Freeze writes on the pilot"
# W: the next move suggested (the first wave not moved), confirmed, recorded
keys phased W
expect_text "W suggests the next move" phased "wave and move (start, moved, rollback): cohort-1 moved"
keys phased Enter
expect_text "… and asks" phased "Wave cohort-1: moved?"
keys phased y
expect_text "… moved: its truth is both sides now" phased \
    "waves: reference ✓ moved (truth: production) · cohort-1 ✓ moved (truth: both) · cohort-2 planned"
expect_text "… on the timeline" phased "wave cohort-1 moved            moving -> moved; the truth of its slice: both"
keys phased W C-u c o h o r t - 2 Space m o v e d Enter y
expect_text "a move the state does not allow: refused, saying why" phased \
    "wave cohort-2 is planned: start it first"
keys phased W C-u c o h o r t - 1 Space r o l l b a c k Enter
expect_text "a wave's rollback says what it does" phased \
    "Roll back wave cohort-1: its truth back to the pilot, then its steps' rollback commands, newest first?"
keys phased y
expect_text "… rolled back; the others stay moved" phased \
    "waves: reference ✓ moved (truth: production) · cohort-1 ✗ rolled_back · cohort-2 planned"
check "… recorded in the workspace as by the CLI" "rolled_back|${USER:-$(id -un)}" \
    "$(sqlite3 phased/.cutover/state.db "SELECT state, user FROM wave_log WHERE wave = 'cohort-1' ORDER BY id DESC LIMIT 1")"
(cd phased && "$bin" wave cohort-2 start >/dev/null) || exit 99
keys phased R
expect_text "… a wave moved by the CLI, read again from the workspace" phased \
    "· cohort-2 ◐ moving"
T kill-session -t phased

finish
