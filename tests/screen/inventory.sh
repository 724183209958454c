#!/bin/bash
# The Inventory panel on the demo, in one dashboard (120x32): the first screen
# against its golden copy (tests/fixtures/screen-start.txt, as the README shows
# it) and the panel zoomed against tests/screen/golden/inventory.txt; focus (Tab,
# Shift-Tab, 1-4), the mouse, zoom, sort, search and a pair's detail, a
# decision written to cutover.ini and the audit log, polling (pause, interval,
# refresh), filter and owner. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

# --- start-up: the four panels and the demo's tables --------------------------------
start main 120 32 "$work/demo"
if wait_for main "Inventory 9/10 decided" && wait_for main "src ● tgt ●" &&
   wait_for main "Mapping 12/42 approved ─" &&  # the background lint is done
   wait_for main "✗ missing_rows 6/1"; then      # the first live round is in
    golden "start-up screen" main fixtures/screen-start.txt
else
    not_ok "start-up screen" "$(screen main)"
fi

# --- focus: Tab, Shift-Tab, 1-4 (the focused box is drawn heavy) ----------------------
keys main Tab
expect_text "Tab focuses Mapping" main "┏ 2 Mapping 12/42 approved ━"
expect_text "Tab: Inventory unfocused" main "┌ 1 Inventory 9/10 decided"
keys main BTab
expect_text "Shift-Tab back to Inventory" main "┏ 1 Inventory 9/10 decided"
keys main 4
expect_text "4 focuses Cutover" main "┏ 4 Cutover / Hypercare 0/4 steps done"
keys main 1

# --- the mouse (SGR reports, as xterm sends them; coordinates from 1) -------------------
click() { T send-keys -t "$1" -l $'\e[<0;'"$2;$3M"; T send-keys -t "$1" -l $'\e[<0;'"$2;$3m"; sleep 0.2; }
click main 71 6
expect_text "a click focuses Mapping" main "┏ 2 Mapping 12/42 approved"
click main 5 11
expect_text "a click on a row focuses Inventory" main "┏ 1 Inventory 9/10 decided"
keys main Enter
expect_text "and selects the row clicked" main "page_views → page_views"
keys main Escape

# --- zoom -------------------------------------------------------------------------------
keys main z
expect_text "z zooms Inventory" main "FLAGS"
expect_no_text "z hides the other panels" main "2 Mapping"
golden "z: the whole screen, as its golden copy" main screen/golden/inventory.txt
keys main z
expect_text "z again: four panels" main "┌ 2 Mapping 12/42 approved"

# --- sort ---------------------------------------------------------------------------
keys main '>'
expect_text "> sorts by TARGET" main "TARGET↑"
first_row() { screen main | sed -n 4p | grep -oE '^┃[a-z_]+ +[a-z_-]+'; }  # SOURCE TARGET
eventually "sorted: accounts first ('-', unknown, last either way)" "┃accounts       accounts" first_row
keys main I
expect_text "I inverts" main "TARGET↓"
eventually "inverted: subscriptions first" "┃subscriptions  subscriptions" first_row
keys main '<'
keys main I

# --- search: / then Enter on the match opens its detail --------------------------------
keys main / p a g e
expect_text "/ shows the prompt" main "/page"
keys main Enter Enter
expect_text "search selected page_views" main "page_views → page_views   decision delete, owner erin"
expect_text "detail: no key warning" main "No key: rows can only be compared as a multiset"
# the dashboard measures SQLite tables (dbstat; headless commands do not): each side's
# size as sqlite3 itself sums the table's pages
for side in SOURCE:pilot TARGET:production; do
    kb=$(sqlite3 "$work/demo/${side#*:}.db" "SELECT sum(d.pgsize) / 1024 FROM dbstat d
        JOIN sqlite_schema s ON s.name = d.name WHERE s.tbl_name = 'page_views'")
    expect_match "detail: the ${side#*:} table's size, as its pages sum" main \
        "${side%%:*} page_views: [0-9,]+ rows, $kb kB"
done
keys main Escape
expect_text "Esc leaves the detail" main "┌ 2 Mapping 12/42 approved"

# --- d: decide, confirm, written to cutover.ini ------------------------------------------
keys main / f e a t u r e Enter
keys main d
expect_text "d opens the menu" main "Decision for feature_flags"
keys main 4
expect_text "temporary asks for a date" main "expires (YYYY-MM-DD):"
keys main 2 0 2 7 - 0 6 - 3 0 Enter
expect_text "a confirmation" main "feature_flags: undecided → temporary, expires 2027-06-30?"
keys main n
expect_text "n keeps it" main "decision unchanged"
if cmp -s demo/cutover.ini pristine/cutover.ini; then ok "n: cutover.ini untouched"
else not_ok "n: cutover.ini untouched" "$(diff pristine/cutover.ini demo/cutover.ini)"; fi
keys main d 4
keys main 2 0 2 7 - 0 6 - 3 0 Enter
keys main y
expect_text "y applies it" main "Inventory 10/10 decided"
expect_text "the message says where it went" main "feature_flags: decision undecided → temporary (expires 2027-06-30), written to cutover.ini"
printf '[table feature_flags]\ndecision = temporary\nexpires  = 2027-06-30\n' >expected.ini
if diff -u <(sed -n '/^\[table feature_flags\]/,/^$/p' pristine/cutover.ini |
              sed 's/^decision = undecided$/decision = temporary/; /^$/d'; echo "expires  = 2027-06-30") \
          <(sed -n '/^\[table feature_flags\]/,/^$/p' demo/cutover.ini | sed '/^$/d') >diff.out &&
   [ "$(diff pristine/cutover.ini demo/cutover.ini | grep -c '^[<>]')" = 3 ]; then
    ok "cutover.ini: only the table's section changed"
else
    not_ok "cutover.ini: only the table's section changed" "$(diff pristine/cutover.ini demo/cutover.ini)"
fi
audit=$(sqlite3 demo/.cutover/state.db "SELECT action, object, old_value, new_value FROM audit")
if [ "$audit" = "decide|table feature_flags|undecided|temporary (expires 2027-06-30)" ]; then
    ok "the audit log has it"
else
    not_ok "the audit log has it" "$audit"
fi

# --- polling: pause, interval, refresh; the selection survives a refresh -------------
keys main Space
expect_text "Space: PAUSED in the header" main "PAUSED  PLANNING"
keys main Space
expect_gone "Space again: resumed" main "PAUSED"
keys main +
expect_text "+ polls more often" main "every 15s"
keys main - -
expect_text "- polls less often" main "every 1m"
keys main / p a g e Enter
keys main R
expect_text "R refreshes" main "refreshing both databases"
wait_for main "src ● tgt ●"
keys main Enter
expect_text "the selection survived the refresh" main "page_views → page_views"
keys main Escape

# --- filter and owner -------------------------------------------------------------------
keys main f i n v
expect_text "f filters live" main "┃invoice_lines"
keys main Enter
expect_text "filter: the count" main "filter 'inv': 2 rows"
expect_no_text "filter: other rows hidden" main "┃accounts"
keys main f C-u Enter
expect_text "an empty filter shows all" main "┃accounts"
keys main / e v e n t s Enter o C-u
keys main e r i n 2 Enter
expect_text "o asks to confirm" main "events: owner erin → erin2?"
keys main y
expect_text "o applies" main "events: owner erin → erin2, written to cutover.ini"
if grep -A3 '^\[table events\]' demo/cutover.ini | grep -qx 'owner    = erin2'; then
    ok "owner written in place"
else
    not_ok "owner written in place" "$(grep -A3 '^\[table events\]' demo/cutover.ini)"
fi

finish
