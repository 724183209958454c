#!/bin/bash
# The runbook as the workspace left it: a second dashboard shows it and drives
# nothing until the first is gone; a dashboard killed while its step runs (that
# step failed, interrupted, when opened again); q and Ctrl-C while a step runs
# ask first, x aborts it, A starts a new attempt; the terminal lost (SIGHUP)
# while a step runs, then SIGTERM. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The runbook as the workspace left it. A second dashboard on the workspace shows the
# steps done and the one running, and drives nothing; the first killed while its step
# runs, a dashboard opened again shows that step failed, interrupted (its outcome is
# unknown), and the steps before it done: never pending, to be run twice
runbook_dir reopen '[step load]' 'title = Load' 'owner = alice' 'run = echo loaded' '[step copy]' \
    'title = Copy' 'owner = bob' 'run = sleep 29.5' '[step open]' 'title = Open' 'owner = carol' \
    'run = echo opened'
keys reopen r y
expect_text "the first dashboard runs step 1" reopen "┃ 1 ✓ done          load"
keys reopen r y
expect_text "… and step 2" reopen "┃ 2 ◐ running       copy"
sleep 3
start re2 130 36 "$work/reopen"
wait_for re2 "src ● tgt ●"
keys re2 4 z
expect_text "a second dashboard shows step 1 done" re2 "┃ 1 ✓ done          load"
expect_text "… and step 2 running in the first" re2 "┃ 2 ◐ running       copy"
running_secs() { screen "$1" | grep -F "┃ 2 ◐ running       copy" | grep -oE ' [0-9]+s/' | tr -dc 0-9; }
first=$(running_secs reopen) second=$(running_secs re2)
if [ "${second:-0}" -ge 3 ] && [ $((first - second)) -ge -2 ] && [ $((first - second)) -le 2 ]; then
    ok "… for as long as it has run, not since the second opened"
else
    not_ok "… for as long as it has run, not since the second opened" "first: ${first}s, second: ${second}s"
fi
keys re2 s y
expect_text "… and drives nothing" re2 "another dashboard on this workspace drives the runbook"
pkill -9 -P "$(T list-panes -t reopen -F '#{pane_pid}')" -x cutover
expect_text "(the first dashboard killed)" reopen "EXIT=137"
expect_text "the second sees the first gone: step 2 failed, interrupted" re2 "┃ 2 ✗ failed        copy"
expect_text "… and drives the runbook from then on" re2 \
    "the dashboard that drove the runbook has closed: this one drives it now"
T kill-session -t re2
T kill-session -t reopen
pids_in reopen 'sleep 29.5' | xargs -r kill 2>/dev/null
start re3 130 36 "$work/reopen"
wait_for re3 "src ● tgt ●"
keys re3 4 z
expect_text "opened again: step 1 done" re3 "┃ 1 ✓ done          load"
expect_text "… its log back" re3 "┃  loaded"
expect_text "… step 2 failed, interrupted" re3 "┃ 2 ✗ failed        copy"
keys re3 Down
expect_text "… saying why" re3 "✗ copy: interrupted: the dashboard stopped while its command ran (from "
keys re3 r y
expect_text "… and it drives the runbook: step 2 goes again when asked" re3 "┃ 2 ◐ running       copy"
keys re3 q
expect_text "q while a step's command runs asks first" re3 "Quit? It stops step copy's command, which is running."
keys re3 n
expect_text "… and n stays" re3 "still here"
# Ctrl-C: the terminal sends cutover SIGINT (sent here to it alone: tmux's pane
# shell would take the terminal's too)
kill -INT "$(dash_pid re3)"
expect_text "Ctrl-C while a step's command runs asks first too" re3 \
    "Quit? It stops step copy's command, which is running."
kill -INT "$(dash_pid re3)"
expect_text "… another while it asks only says so" re3 \
    "Ctrl-C: step copy's command is running; answer the question first, then q quits (asking first)"
keys re3 n
expect_text "… and n stays" re3 "still here"
check "… the command still running" "1|running" \
    "$(screen re3 | grep -c '┃ 2 ◐ running       copy')|$([ -n "$(pids_in reopen 'sleep 29.5')" ] && echo running)"
keys re3 x y
expect_text "x aborts it at once, the shell's sleep with it (its process group)" re3 \
    "┃ 2 ✗ failed        copy"
check "… none of its processes left" "" "$(pids_in reopen 'sleep 29.5')"
keys re3 A y
expect_text "A starts a new attempt: every step pending again" re3 "┃ 1 · pending       load"
keys re3 q
expect_text "(closed)" re3 "EXIT=0"
T kill-session -t re3
pids_in reopen 'sleep 29.5' | xargs -r kill 2>/dev/null
check "the interruption and the new attempt are on the timeline" "1 1" \
    "$(sqlite3 -cmd ".timeout 5000" reopen/.cutover/state.db "SELECT count(*) FROM runbook_log WHERE step = 'copy' AND event = 'interrupted'") $(
    sqlite3 -cmd ".timeout 5000" reopen/.cutover/state.db "SELECT count(*) FROM runbook_log WHERE event = 'new attempt'")"
start re4 130 36 "$work/reopen"
wait_for re4 "src ● tgt ●"
keys re4 4 z
expect_text "opened again after the new attempt: every step pending" re4 "┃ 3 · pending       open"
expect_no_text "… step 1 among them" re4 "┃ 1 ✓ done          load"
keys re4 r y
expect_text "(step 1 again)" re4 "┃ 1 ✓ done          load"
keys re4 r y
expect_text "(step 2 again)" re4 "┃ 2 ◐ running       copy"
keys re4 q y
expect_text "q, confirmed, quits" re4 "EXIT=0"
T kill-session -t re4
check "… stopping the step, recorded failed for that reason, nothing of it left running" \
    "failed|-15|stopped: the dashboard quit while it ran|" \
    "$(sqlite3 -cmd ".timeout 5000" reopen/.cutover/state.db "SELECT event, exit_status, output FROM runbook_log WHERE step = 'copy' ORDER BY id DESC LIMIT 1")|$(pids_in reopen 'sleep 29.5')"

# The terminal lost (tmux kills the session: SIGHUP, as a dropped SSH connection)
# while a step's command runs: the command runs on to its end, recorded as
# usual, then cutover exits; a dashboard opened meanwhile only shows the
# runbook. A SIGTERM while it waits stops the command.
runbook_dir hup '[step load]' 'title = Load' 'owner = alice' \
    'run = echo begun; while [ ! -e released ]; do sleep 0.1; done; echo loaded; while [ ! -e finished ]; do sleep 0.1; done' \
    '[step copy]' 'title = Copy' 'owner = bob' 'run = while :; do sleep 0.1; done'
hup_ws() { sqlite3 -cmd ".timeout 5000" hup/.cutover/state.db "$1"; }
life() { kill -0 "$pid" 2>/dev/null && echo alive || echo gone; }  # of the dashboard $pid
hang_up() {  # hang_up SESSION N: its terminal lost, until the timeline has N detached events
    pid=$(dash_pid "$1")
    T kill-session -t "$1"
    for _ in $(seq 100); do
        [ "$(hup_ws "SELECT count(*) FROM runbook_log WHERE event = 'detached'")" = "$2" ] && break
        sleep 0.1
    done
}
keys hup r y
expect_text "(step 1 runs)" hup "┃ 1 ◐ running       load"
hang_up hup 1
check "SIGHUP while a step runs: cutover goes on without a screen, saying so on the timeline" \
    "alive|detached|the dashboard's terminal was lost (SIGHUP): the command runs on to its end without a screen, recorded as usual; the runbook stays with this dashboard until then" \
    "$(life)|$(hup_ws "SELECT event, output FROM runbook_log WHERE step = 'load' ORDER BY id DESC LIMIT 1")"
start hup2 130 36 "$work/hup"
wait_for hup2 "src ● tgt ●"
keys hup2 4 z
expect_text "a dashboard opened meanwhile shows the step running" hup2 "┃ 1 ◐ running       load"
expect_text "… with what its command has printed" hup2 "┃  begun"
touch hup/released
expect_text "… and what it prints next, as it comes" hup2 "┃  loaded"
expect_text "… (still running)" hup2 "┃ 1 ◐ running       load"
touch hup/finished
for _ in $(seq 100); do [ "$(life)" = gone ] && break; sleep 0.1; done
check "… the command ends: recorded done with its output, and cutover exits" \
    "go|start|detached|done|begun loaded|gone" \
    "$(hup_ws "SELECT group_concat(event, '|') FROM (SELECT event FROM runbook_log WHERE step = 'load' AND event <> 'output' ORDER BY id)")|$(hup_ws "SELECT group_concat(output, '') FROM runbook_log WHERE step = 'load' AND event = 'output'" | tr '\n' ' ' | sed 's/ *$//')|$(life)"
expect_text "the dashboard opened meanwhile follows the log: the step done" hup2 "┃ 1 ✓ done          load"
expect_text "… and drives the runbook once the other has gone" hup2 \
    "the dashboard that drove the runbook has closed: this one drives it now"
T kill-session -t hup2
start hup3 130 36 "$work/hup"
wait_for hup3 "src ● tgt ●"
keys hup3 4 z
expect_text "opened again: step 1 done" hup3 "┃ 1 ✓ done          load"
keys hup3 r y
expect_text "… and it drives the runbook: step 2 runs" hup3 "┃ 2 ◐ running       copy"
hang_up hup3 2
kill -TERM "$pid"
for _ in $(seq 100); do [ "$(life)" = gone ] && break; sleep 0.1; done
check "SIGTERM while it waits: the command stopped, recorded failed, cutover gone, nothing left running" \
    "failed|-15|stopped: the dashboard quit while it ran|gone|" \
    "$(hup_ws "SELECT event, exit_status, output FROM runbook_log WHERE step = 'copy' ORDER BY id DESC LIMIT 1")|$(life)|$(pids_in hup 'while :; do sleep 0.1')"

finish
