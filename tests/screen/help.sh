#!/bin/bash
# Help on the demo (120x40): ? over the Inventory panel lists the panel's keys
# and those that work everywhere, the whole screen against
# tests/screen/golden/help.txt; Esc closes it. Needs no PostgreSQL.
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

finish
