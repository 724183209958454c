#!/bin/bash
# Help on the demo (120x40): ? over the Inventory panel lists the panel's keys
# and those that work everywhere, the whole screen against
# tests/screen/golden/help.txt; Esc closes it. At 80x24 it takes the screen
# and scrolls to every key (tests/screen/golden/help-80x24.txt: its last
# page). Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

start main 120 40 "$work/demo"
wait_for main "Mapping 12/42 approved ─"  # the background lint is done
wait_for main "✗ missing_rows 6/1"        # the first live round is in

# --- help ---------------------------------------------------------------------------
keys main '?'
expect_text "? shows help" main "Inventory panel"
expect_text "help lists the panel's keys" main "set the decision for the table's Pilot data"
golden "help: the whole screen, as its golden copy" main screen/golden/help.txt
keys main Escape
expect_gone "Esc closes help" main "Inventory panel"
T kill-session -t main

# --- at 80x24: the whole screen, scrolled to every key ------------------------------
start small 80 24 "$work/demo"
wait_for small "src ● tgt ●"
keys small '?'
expect_text "80x24: help takes the screen, saying how much it holds" small \
    "┏ Help, lines 1-22 of 38: Down, Up, PgDn, PgUp scroll; Esc closes ━"
expect_text "… a long line wrapped under itself, not cut" small \
    "┃             size                                                             ┃"
expect_no_text "… q is further down" small "q            quit"
keys small G
expect_text "End: the last page, q and the help's own keys on it" small "q            quit"
expect_text "… z and Esc too" small "z            zoom the focused panel to the full screen, and back"
golden "… the last page, as its golden copy" small screen/golden/help-80x24.txt
keys small PPage
expect_text "PgUp: a page back, to the top" small "┏ Help, lines 1-22 of 38"
keys small q
expect_gone "q closes it" small "Help, lines"

finish
