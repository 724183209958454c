#!/bin/bash
# The terminal around the dashboard, on the demo: resizes down to too small and
# back (at 80x24 each panel with its key columns), q restoring the terminal, LANG=C
# (ASCII boxes and glyphs), a bad plan (its message, exit 2), a sheet that
# cannot be read (said, the dashboard going on), NO_COLOR and 8 colours (TERM=xterm). Needs no
# PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

start main 120 32 "$work/demo"
wait_for main "Inventory 9/10 decided"

# --- sizes ---------------------------------------------------------------------------
T resize-window -t main -x 40 -y 12; sleep 0.5
expect_text "40x12: a tab strip" main " 1 Inventory  2 Mapping  3 Rehearsal dif"
expect_text "40x12: the focused panel" main "┏ 1 Inventory 9/10 decided"
T resize-window -t main -x 20 -y 6; sleep 0.5
expect_text "20x6: still a panel" main "┏ 1 Inventory 9/10…┓"
T resize-window -t main -x 12 -y 4; sleep 0.5
expect_text "12x4: says what it needs" main "cutover nee…"
T resize-window -t main -x 80 -y 24; sleep 0.5
expect_text "80x24: four panels, each with its key columns: Inventory's" main \
    "┃SOURCE↑       TARGET        DECISION  ┃"
expect_text "… Mapping's" main "│STATUS     SOURCE↑      TARGET        │"
expect_text "… Cutover's" main "│#↑ STATE           STEP               │"
expect_text "… a name cut, not a column left out" main "┃api_keys      api_credenti… migrate   ┃"
T resize-window -t main -x 200 -y 60; sleep 0.5
expect_text "200x60: four panels again" main "┌ 4 Cutover / Hypercare 0/4 steps done"
expect_no_text "still running after resizes" main "EXIT="

# --- q: exit 0, terminal restored ------------------------------------------------------
keys main q
expect_text "q exits 0" main "EXIT=0"
if [ "$(T display -p -t main '#{alternate_on}')" = 0 ]; then ok "the terminal is restored"
else not_ok "the terminal is restored" "alternate screen still on"; fi


# --- outside UTF-8: ASCII boxes and glyphs ------------------------------------------------
T new-session -d -s ascii -x 100 -y 30 \
    "cd '$work/pristine' && env LANG=C LC_ALL=C TERM=xterm-256color '$bin'; echo EXIT=\$?; sleep 600"
expect_text "LANG=C: ASCII boxes" ascii "# 1 Inventory 9/10 decided ===="
expect_text "LANG=C: ASCII glyphs" ascii "src o tgt o"
T kill-session -t ascii

# --- a bad plan: the message, exit 2, the terminal left as it was -------------------------
mkdir badplan
printf '[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n[step go]\ntitle = Go\ngatte = manual\n' \
    >badplan/cutover.ini
start badplan 100 30 "$work/badplan"
expect_text "bad plan: file:line" badplan "cutover: cutover.ini:7: unknown key 'gatte' in [step go]"
expect_text "bad plan: exit 2" badplan "EXIT=2"
T kill-session -t badplan

# --- a sheet that cannot be read: said, and the dashboard goes on --------------------------
cp -r pristine badsheet
printf 'users.x,\xff,,,,draft,,,\n' >>badsheet/mapping.csv
start badsheet 130 40 "$work/badsheet"
wait_for badsheet "src ● tgt ●"
expect_text "a sheet not UTF-8: file:line, what to do" badsheet \
    "✗ mapping.csv:44: not UTF-8: byte 0xff at column 9 (save the sheet as UTF-8)"
expect_text "… the dashboard keeps running once the catalogs are in" badsheet "Inventory 9/10 decided"
sleep 1
keys badsheet q
expect_text "… and quits as usual" badsheet "EXIT=0"
T kill-session -t badsheet

# --- NO_COLOR: attributes, no colours ----------------------------------------------------
start colour 100 30 "$work/pristine"
start nocolour 100 30 "$work/pristine" NO_COLOR=1
wait_for colour "Inventory 9/10 decided"
wait_for nocolour "Inventory 9/10 decided"
# SGR parameters that set a colour: 30-37, 40-47, 90-97, 100-107, 38;…, 48;…
# (39 and 49 only reset to the terminal's default colours)
sgr_colours() {
    T capture-pane -e -p -t "$1" | grep -oE $'\e\\[[0-9;]*m' | tr -d '\033[m' | tr ';' '\n' |
        grep -cE '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'
}
if [ "$(sgr_colours colour)" -gt 0 ]; then ok "colour by default"; else not_ok "colour by default"; fi
if [ "$(sgr_colours nocolour)" = 0 ]; then ok "NO_COLOR=1: no colour"
else not_ok "NO_COLOR=1: no colour" "$(T capture-pane -e -p -t nocolour | head -3 | cat -v)"; fi
if T capture-pane -e -p -t nocolour | grep -qF $'\e[7m'; then ok "NO_COLOR=1: reverse video stays"
else not_ok "NO_COLOR=1: reverse video stays"; fi
T kill-session -t colour; T kill-session -t nocolour

# --- 8 colours: the theme falls back, no 256-colour codes -------------------------------
start eight 100 30 "$work/pristine" TERM=xterm
wait_for eight "Inventory 9/10 decided"
if T capture-pane -e -p -t eight | grep -oE $'\e\\[[0-9;]*m' | grep -qE '[;\[](38|48);'; then
    not_ok "TERM=xterm: 8 colours only" "$(T capture-pane -e -p -t eight | head -2 | cat -v)"
else
    ok "TERM=xterm: 8 colours only"
fi
T kill-session -t eight

finish
