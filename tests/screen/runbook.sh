#!/bin/bash
# The runbook in the Cutover panel, with real shell steps: a checks gate, an
# overrun, a manual gate typed by its owner, a failure with its exit status and
# stderr, rollback newest first, the timeline in the workspace; a diff gate,
# and its no-go on a run the workspace could not record whole; a step's 2 MB of
# output. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- the runbook: real shell steps, gates, an overrun, a failure, rollback ---------------
mkdir rb
sqlite3 rb/src.db "CREATE TABLE flag (x INTEGER PRIMARY KEY)"
sqlite3 rb/tgt.db "CREATE TABLE other (x INTEGER PRIMARY KEY)"
cat >rb/cutover.ini <<'PLAN'
[source]
url = sqlite:src.db
[target]
url = sqlite:tgt.db
[check flag]
source = SELECT count(*) FROM flag
target = SELECT 1
[step prep]
title    = Prepare
owner    = alice
run      = echo prepared
rollback = echo undo-prep >> rollback.log
gate     = checks
[step copy]
title    = Copy
owner    = dave
run      = until [ -e copy.go ]; do sleep 0.1; done && echo copied
expect   = 1s
rollback = echo undo-copy >> rollback.log
gate     = manual
[step verify]
title = Verify
owner = erin
run   = echo boom >&2 && exit 3
[rollback]
trigger.missing_rows = 1
authority = carol
PLAN
start rbk 130 36 "$work/rb"
wait_for rbk "src ● tgt ●"
keys rbk 4 z r
expect_text "r asks first" rbk "Go: prep (Prepare)?"
keys rbk y
expect_text "a step that succeeds" rbk "┃ 1 ✓ done          prep"
expect_text "its output in the log" rbk "  prepared"
keys rbk r y
expect_text "a checks gate that blocks" rbk "┃ 2 ✗ blocked       copy"
expect_text "… with its reason" rbk "✗ copy: check flag: source 0, target 1"
sqlite3 rb/src.db "INSERT INTO flag VALUES (1)"
keys rbk r y
expect_text "the gate passes once the check does" rbk "┃ 2 ◐ running       copy"
# (the step runs until the test lets it end: its overrun is on screen until then)
expect_match "an overrun stands out" rbk '┃ 2 ◐ running +copy +Copy +dave +▲ [1-9][0-9]*s/1s manual'
touch rb/copy.go
expect_text "the slow step ends" rbk "┃ 2 ✓ done          copy"
keys rbk r
expect_text "a manual gate asks its owner" rbk "manual gate of copy: dave types their name:"
T send-keys -t rbk -l "mallory"; sleep 0.2
keys rbk Enter y
expect_text "someone else's name is a no-go" rbk "✗ verify: the manual gate needs its owner to type their name"
keys rbk r
T send-keys -t rbk -l "dave"; sleep 0.2
keys rbk Enter y
expect_text "a step that fails" rbk "┃ 3 ✗ failed        verify"
expect_text "… with its exit status" rbk "✗ verify: the command exited with status 3"
expect_text "… and its stderr in the log" rbk "  boom"
keys rbk B
expect_text "B asks first" rbk "Roll back: run the rollback commands of the done steps, newest first?"
keys rbk y
expect_text "rollback, newest first" rbk "┃ 1 ✓ rolled back   prep"
expect_text "… both steps" rbk "┃ 2 ✓ rolled back   copy"
expect_text "… and the panel says how to go again" rbk "┃rolled back: A starts a new attempt, every step pending again"
if [ "$(cat rb/rollback.log 2>/dev/null)" = "$(printf 'undo-copy\nundo-prep')" ]; then
    ok "rollback commands ran in reverse order"
else
    not_ok "rollback commands ran in reverse order" "$(cat rb/rollback.log 2>&1)"
fi
timeline=$(sqlite3 -cmd ".timeout 5000" rb/.cutover/state.db "SELECT step || ' ' || event FROM runbook_log WHERE event <> 'output' ORDER BY id")
expected_timeline="prep go
prep start
prep done
copy go
copy gate no-go
copy go
copy gate go
copy start
copy done
verify go
verify gate no-go
verify go
verify gate go
verify start
verify failed
 rollback started
copy rollback
copy rolled back
prep rollback
prep rolled back
 rollback complete"
if [ "$timeline" = "$expected_timeline" ]; then ok "the timeline in the workspace"
else not_ok "the timeline in the workspace" "$timeline"; fi
[ "$(sqlite3 -cmd ".timeout 5000" rb/.cutover/state.db "SELECT group_concat(output, '') FROM runbook_log WHERE step = 'verify' AND event = 'output'")" = "boom" ] &&
    ok "the step's output is stored" || not_ok "the step's output is stored"
T kill-session -t rbk
# a diff gate: a rehearsal run, recorded like any other, must be clean, its
# structural checks too (the target lost v's NOT NULL)
mkdir rbd
sqlite3 rbd/src.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t VALUES (1, 'a'), (2, 'b')"
sqlite3 rbd/tgt.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')"
(cd rbd && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
printf '[step load]\ntitle = Load\nowner = alice\nrun = echo loaded\ngate = diff\n[step open]\ntitle = Open\nowner = bob\nrun = echo opened\n' >>rbd/cutover.ini
start rbd 130 36 "$work/rbd"
wait_for rbd "src ● tgt ●"
keys rbd 4 z r y
expect_text "the step before the diff gate" rbd "┃ 1 ✓ done          load"
keys rbd r y
expect_text "a diff gate blocks on a discrepancy, saying what the run found" rbd \
    "✗ open: run 1: 1 missing, 0 extra, 0 changed, 1 structural finding"
sqlite3 rbd/tgt.db "INSERT INTO t VALUES (2, 'b')"
keys rbd r y
expect_text "… on a structural finding alone" rbd \
    "✗ open: run 2: 0 missing, 0 extra, 0 changed, 1 structural finding"
(cd rbd && "$bin" discrepancies classify accepted_variance --kind not_null_missing >/dev/null)
keys rbd r y
expect_text "… and passes once the target is whole, that finding accepted" rbd "┃ 2 ✓ done          open"
T kill-session -t rbd
check "the gate's runs are recorded like any other" "1 done 1|2 done 0|3 done 0|" \
    "$(sqlite3 -cmd ".timeout 5000" rbd/.cutover/state.db "SELECT id, status, (SELECT sum(missing) FROM results
        WHERE run_id = runs.id AND kind = 'table') FROM runs ORDER BY id" | tr '|' ' ' | tr '\n' '|')"

# … and says no go on a run the workspace could not record whole, saying why:
# another process holds the workspace past 5 s while the gate's run ends its
# first table, and lets it go before the second ends. (Each table is read
# slowly, a transform making 1 MB of randomness a row, to keep the run going.)
mkdir rbi
for t in a b; do
    sqlite3 rbi/src.db "CREATE TABLE $t (id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
        INSERT INTO $t SELECT i, 'v' || i FROM n"
done
cp rbi/src.db rbi/tgt.db
(cd rbi && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null &&
 sed -i 's/^\([ab]\.v,[ab]\.v\),,/\1,"v || substr(randomblob(1000000 + 0 * id), 1, 0)",/' mapping.csv &&
 [ "$(grep -c randomblob mapping.csv)" = 2 ]) || exit 99
printf '[step load]\ntitle = Load\nowner = alice\nrun = echo loaded\ngate = diff\n[step open]\ntitle = Open\nowner = bob\nrun = echo opened\n' >>rbi/cutover.ini
start rbi 200 36 "$work/rbi"
wait_for rbi "src ● tgt ●"
keys rbi 4 z r y
wait_for rbi "┃ 1 ✓ done          load"
keys rbi r y
wait_for rbi "┃ 2 ◐ checking gate open"
hold_workspace rbi/.cutover/state.db
expect_text "a diff gate's run whose write fails: said on the message line" rbi \
    " the diff gate's run 1: $locked" 60
release_workspace rbi/.cutover/state.db
expect_text "… and the gate says no go, the run being recorded incomplete" rbi "┃ 2 ✗ blocked       open" 60
expect_text "… saying why" rbi \
    "✗ open: run 1 is recorded incomplete: $locked"
T kill-session -t rbi
check "… the run recorded incomplete, the gate's no-go on the timeline" "incomplete|gate no-go" \
    "$(sqlite3 -cmd ".timeout 5000" rbi/.cutover/state.db "SELECT status FROM runs; SELECT event FROM runbook_log
        WHERE step = 'open' ORDER BY id DESC LIMIT 1" | tr '\n' '|' | sed 's/|$//')"

# a step printing more than the megabyte the panel keeps of its log: the panel shows
# its end, not its first megabyte, and the workspace holds all of it
runbook_dir biglog '[step load]' 'title = Load' 'owner = alice' 'run = seq 1 300000; echo LAST LINE'
keys biglog r y
expect_text "a step's 2 MB of output: its log shows the end" biglog "┃  LAST LINE"
check "… and the workspace has every byte" "$(( $(seq 1 300000 | wc -c) + 10 ))" \
    "$(sqlite3 -cmd ".timeout 5000" biglog/.cutover/state.db "SELECT sum(length(output)) FROM runbook_log WHERE event = 'output'")"
T kill-session -t biglog

finish
