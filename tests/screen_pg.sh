#!/bin/bash
# Screen tests: the real binary in tmux at fixed sizes, keys sent with
# send-keys, the screen read with capture-pane and compared with exact text.
# Run by tests/harness.sh, which provides PostgreSQL for the responsiveness
# test. Waits poll the screen with generous time limits; nothing here times
# how fast cutover is.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
fixtures=${CUTOVER_SRCDIR:?}/tests/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-screen.XXXXXX")
sock=cutover-screen-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
command -v tmux >/dev/null || { echo "tmux is not installed (Debian package tmux)"; exit 99; }
cd "$work" || exit 99

# start NAME WIDTH HEIGHT DIR [ENV…]: the dashboard in DIR, in its own tmux session
start() {
    local name=$1 w=$2 h=$3 dir=$4
    shift 4
    T new-session -d -s "$name" -x "$w" -y "$h" \
        "cd '$dir' && env LANG=C.UTF-8 TERM=xterm-256color $* '$bin'; echo EXIT=\$?; sleep 600"
}
screen() {  # the screen of a session, the clock masked
    T capture-pane -p -t "$1" | sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2} *$/hh:mm:ss/'
}
wait_for() {  # wait_for SESSION TEXT [SECONDS]: until the screen shows TEXT (20 s at most)
    for _ in $(seq $((${3:-20} * 10))); do
        screen "$1" | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    return 1
}
expect_text() {  # expect_text NAME SESSION TEXT [SECONDS]
    if wait_for "$2" "$3" "${4:-20}"; then ok "$1"; else not_ok "$1" "screen lacks: $3" "$(screen "$2")"; fi
}
expect_no_text() {  # expect_no_text NAME SESSION TEXT: the screen, now, lacks TEXT
    if screen "$2" | grep -qF -- "$3"; then not_ok "$1" "screen shows: $3"; else ok "$1"; fi
}
expect_match() {  # expect_match NAME SESSION REGEX: until a line of the screen matches REGEX
    for _ in $(seq 200); do
        screen "$2" | grep -qE -- "$3" && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "screen lacks a match for: $3" "$(screen "$2")"
}
expect_gone() {  # expect_gone NAME SESSION TEXT: until the screen no longer shows TEXT (20 s at most)
    for _ in $(seq 200); do
        screen "$2" | grep -qF -- "$3" || { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "screen still shows: $3" "$(screen "$2")"
}
eventually() {  # eventually NAME EXPECTED COMMAND…: until COMMAND prints EXPECTED (20 s at most)
    local out
    for _ in $(seq 200); do
        out=$("${@:3}")
        [ "$out" = "$2" ] && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "expected: $2" "actual:   $out"
}
expect_screen() {  # expect_screen NAME SESSION FIXTURE
    if screen "$2" | diff -u "$fixtures/$3" - >diff.out; then ok "$1"
    else not_ok "$1" "screen differs from $3:" "$(head -60 diff.out)"; fi
}
keys() { T send-keys -t "$@"; sleep 0.2; }
dash_pid() {  # dash_pid SESSION: the pid of the dashboard in a session (its pane's shell's child)
    pgrep -P "$(T list-panes -t "$1" -F '#{pane_pid}')" -x cutover
}

"$bin" demo demo >/dev/null || exit 99
cp -r demo pristine

# --- start-up: the four panels and the demo's tables --------------------------------
start main 120 32 "$work/demo"
if wait_for main "Inventory 9/10 decided" && wait_for main "src ● tgt ●" &&
   wait_for main "Mapping 12/42 approved ─" &&  # the background lint is done
   wait_for main "✗ missing_rows 6/1"; then      # the first live round is in
    expect_screen "start-up screen" main screen-start.txt
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
keys main z
expect_text "z again: four panels" main "┌ 2 Mapping 12/42 approved"

# --- sort ---------------------------------------------------------------------------
keys main '>'
expect_text "> sorts by TARGET" main "TARGET↑"
first_row() { screen main | sed -n 4p | grep -oE '^┃[a-z_]+ +[a-z_-]+'; }  # SOURCE TARGET
eventually "sorted: '-' first" "┃feature_flags  -" first_row
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

# --- help ---------------------------------------------------------------------------
keys main '?'
expect_text "? shows help" main "Inventory panel"
expect_text "help lists the panel's keys" main "set the decision for the table's Pilot data"
keys main Escape
expect_gone "Esc closes help" main "Inventory panel"

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

# --- the mapping review: approve, reject with a note, edit a transform, undo ------------
cp -r pristine review
start rv 140 36 "$work/review"
wait_for rv "Mapping 12/42 approved ─"
keys rv 2 / a c c o u n t s . c o u n t r y Enter a
expect_text "a asks to approve" rv "Approve accounts.country → accounts.country?"
keys rv y
expect_text "approved" rv "accounts.country → accounts.country approved, written to the sheet and the audit log"
expect_text "the title counts it" rv "Mapping 13/42 approved"
keys rv / a c c o u n t s . c r e a t e d Enter x
expect_text "x asks why, starting from the row's note" rv "why (required): Pilot mixes three timestamp formats"
keys rv C-u Enter
expect_text "a rejection needs a note" rv "a rejection needs a note saying why: not rejected"
keys rv x C-u
T send-keys -t rv -l "three formats"; sleep 0.2
keys rv Enter
expect_text "x asks to reject" rv "Reject accounts.created → accounts.created_at?"
keys rv y
expect_text "rejected" rv "accounts.created → accounts.created_at rejected"
keys rv / i n v o i c e s . c u r r e n c y Enter e 1 C-u
T send-keys -t rv -l "upper(trim(currency)"; sleep 0.2
expect_text "a transform is compiled as it is typed" rv "✗ sqlite:pilot.db: near \"FROM\": syntax error"
keys rv Enter
expect_text "a broken transform is refused with the database's message" rv "✗ transform refused: sqlite:pilot.db: near \"FROM\": syntax error"
keys rv e 1 C-u
T send-keys -t rv -l "upper(trim(currency))"; sleep 0.2
expect_text "a good one compiles" rv "✓ compiles"
keys rv Enter
expect_text "the edit asks first" rv "invoices.currency → invoices.currency: set transform to 'upper(trim(currency))'?"
keys rv y
expect_text "transform set" rv "transform set, written to the sheet and the audit log"
keys rv Enter
expect_text "the row shows the new transform" rv "transform: upper(trim(currency))"
expect_text "the preview runs it" rv "preview, 20 source rows:"
keys rv Escape
keys rv / u s e r s . c r Enter e 3 C-u
T send-keys -t rv -l "zoe"; sleep 0.2
keys rv Enter y
expect_text "owner set" rv "owner set, written to the sheet and the audit log"
keys rv u
expect_text "u asks what it undoes" rv "Undo 'owner zoe'?"
keys rv y
expect_text "undone" rv "undone, written to the sheet and the audit log"
diff pristine/mapping.csv review/mapping.csv | tr -d '\r' >diff.out  # the sheet has CRLF line ends
user=$(sqlite3 review/.cutover/state.db "SELECT user FROM audit LIMIT 1")
at='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
if [ "$(grep -c '^>' diff.out)" = 3 ] && [ "$(grep -c '^<' diff.out)" = 3 ] &&
   grep -qxE "> accounts.country,accounts.country,,alice,,approved,$user,$at," diff.out &&
   grep -qxE "> accounts.created,accounts.created_at,,alice,ts:s,rejected,$user,$at,three formats" diff.out &&
   grep -qx "> invoices.currency,invoices.currency,upper(trim(currency)),bob,,draft,,," diff.out; then
    ok "mapping.csv has exactly those changes"
else
    not_ok "mapping.csv has exactly those changes" "user=$user" "$(cat diff.out)"
fi
audit=$(sqlite3 review/.cutover/state.db "SELECT action || '|' || object || '|' || coalesce(old_value, '') || '|' || new_value FROM audit ORDER BY id")
expected_audit="approve|mapping accounts.country -> accounts.country|draft|approved
reject|mapping accounts.created -> accounts.created_at|draft|rejected: three formats
edit|mapping invoices.currency -> invoices.currency|transform upper(currency)|transform upper(trim(currency))
edit|mapping users.created_at -> app_users.created_at|owner alice|owner zoe
undo|mapping users.created_at -> app_users.created_at|owner zoe|undo: owner zoe"
if [ "$audit" = "$expected_audit" ]; then ok "the audit log has exactly those changes"
else not_ok "the audit log has exactly those changes" "$audit"; fi
T kill-session -t rv

# --- cutover.ini edited by something else: read again at the refresh (R here) -----------
cp -r pristine extplan
start xp 140 36 "$work/extplan"
wait_for xp "Mapping 12/42 approved ─"  # the lint, which holds the plan, is done
printf '\n[step smoke]\ntitle = Smoke test added outside\nowner = erin\n' >>extplan/cutover.ini
keys xp R
expect_text "a step added to the plan in an editor appears" xp "Cutover / Hypercare 0/5 steps done"
expect_text "… saying the plan was read again" xp "cutover.ini changed: read again"
printf 'colour = blue\n' >>extplan/cutover.ini
keys xp R
expect_text "a plan that no longer parses is not used, saying where it is wrong" xp \
    "cutover.ini changed and is not used until it is mended: cutover.ini:$(wc -l <extplan/cutover.ini): unknown key 'colour' in [step smoke]"
expect_text "… the plan in use stays" xp "Cutover / Hypercare 0/5 steps done"
sed -i '/^colour = blue$/d; /^\[step open\]$/,/^$/d' extplan/cutover.ini  # mended, and a step gone
keys xp R
expect_text "a step removed in the editor goes, the one added stays" xp "Cutover / Hypercare 0/4 steps done"
expect_text "… in the plan's order" xp " 4 · pending       smoke     Smoke test added outside"
T kill-session -t xp

# --- the sheet edited by something else while the dashboard is open: its edit is kept ------
cp -r pristine extedit
start ext 140 36 "$work/extedit"
wait_for ext "Mapping 12/42 approved ─"
keys ext 2 / a c c o u n t s . c r e a t e d Enter
sed -i 's/^accounts\.country,accounts\.country,,alice,/accounts.country,accounts.country,,dana,/' extedit/mapping.csv
keys ext a y
expect_text "a row approved after an editor changed another" ext \
    "accounts.created → accounts.created_at approved, written to the sheet and the audit log"
check "… the sheet has both: the editor's owner and the dashboard's approval" \
    "accounts.country,accounts.country,,dana,,draft|accounts.created,accounts.created_at,,alice,ts:s,approved|" \
    "$(tr -d '\r' <extedit/mapping.csv | grep -E '^accounts\.(country|created),' | cut -d, -f1-6 | tr '\n' '|')"
keys ext / u s e r s . c r e a t e d _ a t Enter
sed -i '/^users\.created_at,/d' extedit/mapping.csv
keys ext a y
expect_text "a row the editor deleted is not approved, saying why" ext \
    "no longer has users.created_at -> app_users.created_at; nothing was changed"
check "… and the sheet stays without it" 0 "$(grep -c '^users\.created_at,' extedit/mapping.csv)"
T kill-session -t ext

# --- the rehearsal panel: a run from the dashboard, its tables and discrepancies ---------
cp -r pristine rehearse
start rh 130 36 "$work/rehearse"
wait_for rh "Mapping 12/42 approved ─"
keys rh 3 z
expect_text "no run yet" rh "No rehearsal recorded yet: press r to run one."
keys rh r
expect_text "r runs a rehearsal" rh "✗ run 1 fail: 17 missing, 1 extra, 35 changed"
expect_text "the header's phase" rh "REHEARSAL 1"
expect_text "per-table results" rh "┃users           app_users                3         1         35     1425     1423 ✗ fail"
keys rh G k k Enter  # the last table: the demo's two checks come after the tables
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
expect_text "the trend compares the runs" rh "run 2 vs 1: 53 → 53 open"
keys rh z G k k Enter / 9 9 9 9 9 9 Enter
expect_text "the class is carried to run 2" rh "┃users         extra    id=999999       "
row_999999() { screen rh | grep -oE "id=999999 +[a-z_]+" | tr -s ' '; }
eventually "… as accepted_variance" "id=999999 accepted_variance" row_999999
T kill-session -t rh
[ "$(sqlite3 -cmd ".timeout 5000" rehearse/.cutover/state.db "SELECT count(*) FROM runs WHERE status = 'done'")" = 2 ] &&
    ok "two runs recorded" || not_ok "two runs recorded"
check "class, owner and note carried to run 2's copy of the discrepancy, and audited" \
    "accepted_variance|bob|a test row of the Pilot
3" \
    "$(sqlite3 -cmd ".timeout 5000" rehearse/.cutover/state.db "SELECT class, owner, decision FROM discrepancies
        WHERE run_id = 2 AND key_json = '{\"id\":999999}'; SELECT count(*) FROM audit WHERE action = 'discrepancy'")"
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
locked=".cutover/state.db: cannot record: another process has kept the workspace locked for more than 5 s"
createdb screen_wsl || exit 99
"$bin" demo wslock --target dbname=screen_wsl >/dev/null || exit 99
sed -i 's/^interval *= 30s/interval         = 1h/' wslock/cutover.ini
start wl 200 36 "$work/wslock"
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

# The detail of a discrepancy whose key is NULL (a plan key on a nullable column)
# finds its rows: looked up with IS NULL, not = 'null'
mkdir nullkey && sqlite3 nullkey/pilot.db "CREATE TABLE t (k TEXT, v TEXT);
    INSERT INTO t VALUES (NULL, 'n'), ('x', 'a')" &&
    sqlite3 nullkey/prod.db "CREATE TABLE t (k TEXT, v TEXT); INSERT INTO t VALUES (NULL, 'm'), ('x', 'a')" &&
    (cd nullkey && "$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null &&
     sed -i 's/^; no primary key: add key = .*$/key = k/' cutover.ini && { "$bin" diff >/dev/null; [ $? = 1 ]; }) ||
    exit 99
start nk 130 36 "$work/nullkey"
wait_for nk "REHEARSAL 1"
keys nk 3 z G Enter Enter
expect_text "a NULL key's detail: both rows found, the differing field marked" nk \
    "┃≠ v → v                        equal            n                              m"
expect_text "… the key NULL on both sides" nk \
    "┃  k → k                        equal            NULL                           NULL"
T kill-session -t nk

# A run whose rows all agree but whose business check does not fails: in the
# panel's title, its run list and its tables, where the checks are listed too
mkdir checks && sqlite3 checks/pilot.db "CREATE TABLE t (id INTEGER PRIMARY KEY, paid INTEGER);
    INSERT INTO t VALUES (1, 10), (2, 20)" && cp checks/pilot.db checks/prod.db &&
    (cd checks && "$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null &&
     printf '%s\n' '[check paid]' 'source = SELECT sum(paid) FROM t' 'target = SELECT sum(paid) + 1 FROM t' \
         '[check refunds]' 'source = SELECT sum(paid) FROM t WHERE paid < 0' \
         'target = SELECT sum(paid) FROM t WHERE paid < 0' >>cutover.ini &&
     { "$bin" diff >/dev/null; [ $? = 1 ]; } && "$bin" runs >runs.txt) || exit 99
check "runs: the run fails on its check alone" "1 done 0 0 1 of 2 failed fail" \
    "$(awk 'NR == 2 { print $1, $3, $9, $10, $11, $12, $13, $14, $15 }' checks/runs.txt)"
start ck 130 36 "$work/checks"
wait_for ck "REHEARSAL 1"
keys ck 3 z
expect_text "the panel's title says a check failed" ck "Rehearsal diff run 1: 0 open, 1 check failed"
expect_text "… its tables list the checks with both values" ck \
    "┃check paid                                                                        ✗ fail: source 30, target 31"
expect_text "… a sum of no rows on both sides passes" ck \
    "┃check refunds                                                                     ✓ pass: source NULL, target NULL"
listed() { screen ck | grep -oE '^┃(t |check [a-z]+)' | cut -c4- | tr -d ' ' | tr '\n' '|'; }
eventually "… the checks after the tables" "t|checkpaid|checkrefunds|" listed
keys ck I
eventually "… whatever the sort" "t|checkrefunds|checkpaid|" listed
keys ck I
keys ck v v
expect_text "… and the run list marks the run failed" ck "┃   1 ✗ fail"
keys ck r
expect_text "a run from the panel says what fails it" ck \
    "✗ run 2 fail: 0 missing, 0 extra, 0 changed, 1 of 2 checks failed"
T kill-session -t ck

# … and of a changed row whose timestamp key each side writes its own way: the
# target's row is looked up by the target's key, not the source's text
mkdir tskey && sqlite3 tskey/pilot.db "CREATE TABLE e (at TIMESTAMP PRIMARY KEY, v INTEGER);
    INSERT INTO e VALUES ('2024-01-01T10:00:00+02:00', 1)" &&
    sqlite3 tskey/prod.db "CREATE TABLE e (at TIMESTAMP PRIMARY KEY, v INTEGER);
    INSERT INTO e VALUES ('2024-01-01 08:00:00', 2)" &&
    (cd tskey && "$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null &&
     { "$bin" diff >/dev/null; [ $? = 1 ]; }) || exit 99
start tk 130 36 "$work/tskey"
wait_for tk "REHEARSAL 1"
keys tk 3 z G Enter Enter
expect_text "a changed row's detail by each side's own key: the target's row found" tk \
    "┃≠ v → v                        equal            1                              2"
expect_text "… its key as each side writes it" tk \
    "┃  at → at                      equal            2024-01-01T10:00:00+02:00      2024-01-01 08:00:00"
T kill-session -t tk

# … and of a row whose key the sheet transforms: the source's row is looked up by the
# transform's value (upper(code) = 'Z9' for the pilot's z9)
mkdir xfkey && sqlite3 xfkey/pilot.db "CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT);
    INSERT INTO c VALUES ('a1', 'x'), ('z9', 'z')" &&
    sqlite3 xfkey/prod.db "CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT);
    INSERT INTO c VALUES ('A1', 'x'), ('Z9', 'zz')" &&
    (cd xfkey && "$bin" init --source sqlite:pilot.db --target sqlite:prod.db >/dev/null &&
     sed -i 's/^c\.code,c\.code,,/c.code,c.code,upper(code),/' mapping.csv &&
     { "$bin" diff >/dev/null; [ $? = 1 ]; }) || exit 99
start xk 130 36 "$work/xfkey"
wait_for xk "REHEARSAL 1"
keys xk 3 z G Enter Enter
expect_text "a transformed key's detail: the source's row found by its new key" xk \
    "┃≠ name → name                  equal            z                              zz"
expect_text "… the key as the transform gives it" xk \
    "┃  code → code                  equal            Z9                             Z9"
T kill-session -t xk
# … and the mapping's preview finds the target's rows by the transformed key too
start xp 130 36 "$work/xfkey"
wait_for xp "Mapping 0/2 approved"
expect_text "no table decided migrate: the live panel says why nothing is polled" xp \
    "no table is polled: none is decided migrate (d in 1 Inventory)"
keys xp 2 z / c . n a m e Enter Enter
expect_text "a transformed key's preview: the target's value beside the source's" xp \
    "┃≠ Z9                             z                              z                              zz"
expect_text "… counted" xp "✗ 1 of 2 rows differ from the target"
T kill-session -t xp
# a run refused by a misspelt rule records nothing, so it is not the run the next one is
# compared with, in the CLI or the panel (trend, header, per-table change): run 2 finds
# A1 changed too, the next is refused, run 3 (A1 put back) is compared with run 2
(cd xfkey && sqlite3 prod.db "UPDATE c SET name = 'xx' WHERE code = 'A1'" &&
 { "$bin" diff >/dev/null; [ $? = 1 ]; } && sqlite3 prod.db "UPDATE c SET name = 'x' WHERE code = 'A1'" &&
 sed -i 's/^\(c\.name,c\.name,,,\),/\1tolerence:1,/' mapping.csv &&
 { "$bin" diff >/dev/null 2>&1; [ $? = 2 ]; } && sed -i 's/tolerence:1//' mapping.csv &&
 { "$bin" diff --ndjson >run4.ndjson; [ $? = 1 ]; }) || exit 99
check "a refused run is not the previous one: run 3 is compared with run 2" "3 2 0 1 1" \
    "$(jq -r 'select(.type == "summary") | "\(.run) \(.previous.run) \(.previous.new) \(.previous.fixed) \(.previous.still_open)"' xfkey/run4.ndjson)"
start xr 130 36 "$work/xfkey"
wait_for xr "REHEARSAL 3"
keys xr 3 z
expect_text "… nor in the panel's trend" xr "┃open per run ▅█▅  run 3 vs 2: 2 → 1 open"
expect_text "… nor in its tables' change" xr \
    "┃c               c                        0         0     1 (-1)        2        2 ✗ fail"
T kill-session -t xr
# … nor the report's discrepancy log or the acceptance's evidence, when it is the last run
(cd xfkey && sed -i 's/^\(c\.name,c\.name,,,\),/\1tolerence:1,/' mapping.csv &&
 { "$bin" diff >/dev/null 2>&1; [ $? = 2 ]; } && "$bin" report --format json >report.json &&
 "$bin" accept --json >accept.json) || exit 99
check "… the report's log is run 3's, the last that ran to its end (the next was refused)" "3 1 Z9" \
    "$(jq -r '.discrepancies | "\(.run) \(.items | length) \(.items[0].key.code)"' xfkey/report.json)"
check "… and so is completeness's evidence" "rehearsal run 3: 1 open discrepancies" \
    "$(jq -r '.[] | select(.area == "completeness") | .evidence[1]' xfkey/accept.json)"

# a count the target refuses (a role without SELECT on it): the pair's detail says why
createdb screen_ro || exit 99
psql -X -q -d screen_ro -c "CREATE TABLE t (id int PRIMARY KEY)" -c "CREATE ROLE screen_ro LOGIN" || exit 99
mkdir rocount && sqlite3 rocount/pilot.db "CREATE TABLE t (id INTEGER PRIMARY KEY)" &&
    (cd rocount && "$bin" init --source sqlite:pilot.db --target "dbname=screen_ro user=screen_ro" >/dev/null) ||
    exit 99
start ro 130 36 "$work/rocount"
wait_for ro "Inventory 0/1 decided"
keys ro 1 Enter
expect_text "a count refused: the pair's detail says why" ro \
    "┃✗ target count failed: dbname=screen_ro user=screen_ro: ERROR:  permission denied for table t (SQLSTATE 42501)"
T kill-session -t ro

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
check "before a run: the dashboard's own connection to the target" 1 "$(sessions)"
keys rp r
expect_text "a run on a PostgreSQL target shows its progress" rp "running: invoice_lines "
check "during the run: a connection of its own beside the dashboard's" 2 "$(sessions)"
keys rp Escape
expect_text "Esc cancels it" rp "run 1 cancelled:"
for _ in $(seq 100); do [ "$(sessions)" = 1 ] && break; sleep 0.1; done
check "after the run: its connection closed, the dashboard's still there" 1 "$(sessions)"
T kill-session -t rp

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
# a diff gate: a rehearsal run, recorded like any other, must be clean
mkdir rbd
sqlite3 rbd/src.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')"
sqlite3 rbd/tgt.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')"
(cd rbd && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null) || exit 99
printf '[step load]\ntitle = Load\nowner = alice\nrun = echo loaded\ngate = diff\n[step open]\ntitle = Open\nowner = bob\nrun = echo opened\n' >>rbd/cutover.ini
start rbd 130 36 "$work/rbd"
wait_for rbd "src ● tgt ●"
keys rbd 4 z r y
expect_text "the step before the diff gate" rbd "┃ 1 ✓ done          load"
keys rbd r y
expect_text "a diff gate blocks on a discrepancy, saying what the run found" rbd \
    "✗ open: run 1: 1 missing, 0 extra, 0 changed"
sqlite3 rbd/tgt.db "INSERT INTO t VALUES (2, 'b')"
keys rbd r y
expect_text "… and passes once the target is whole" rbd "┃ 2 ✓ done          open"
T kill-session -t rbd
check "the gate's runs are recorded like any other" "1 done 1|2 done 0|" \
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

runbook_dir() {  # runbook_dir DIR LINE…: rbd's pair in DIR, these lines added to its plan
    local dir=$1
    shift
    mkdir "$dir" && cp rbd/src.db rbd/tgt.db "$dir/" &&
        (cd "$dir" && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null &&
         printf '%s\n' "$@" >>cutover.ini) || exit 99
    start "$dir" 130 36 "$work/$dir"
    wait_for "$dir" "src ● tgt ●"
    keys "$dir" 4 z
}

# a step printing more than the megabyte the panel keeps of its log: the panel shows
# its end, not its first megabyte, and the workspace holds all of it
runbook_dir biglog '[step load]' 'title = Load' 'owner = alice' 'run = seq 1 300000; echo LAST LINE'
keys biglog r y
expect_text "a step's 2 MB of output: its log shows the end" biglog "┃  LAST LINE"
check "… and the workspace has every byte" "$(( $(seq 1 300000 | wc -c) + 10 ))" \
    "$(sqlite3 -cmd ".timeout 5000" biglog/.cutover/state.db "SELECT sum(length(output)) FROM runbook_log WHERE event = 'output'")"
T kill-session -t biglog

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
pkill -f 'sleep 29.5'
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
    "$(screen re3 | grep -c '┃ 2 ◐ running       copy')|$(pgrep -f 'sleep 29.5' >/dev/null && echo running)"
keys re3 x y
expect_text "x aborts it at once, the shell's sleep with it (its process group)" re3 \
    "┃ 2 ✗ failed        copy"
check "… none of its processes left" "" "$(pgrep -f 'sleep 29.5')"
keys re3 A y
expect_text "A starts a new attempt: every step pending again" re3 "┃ 1 · pending       load"
keys re3 q
expect_text "(closed)" re3 "EXIT=0"
T kill-session -t re3
pkill -f 'sleep 29.5'
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
    "$(sqlite3 -cmd ".timeout 5000" reopen/.cutover/state.db "SELECT event, exit_status, output FROM runbook_log WHERE step = 'copy' ORDER BY id DESC LIMIT 1")|$(pgrep -f 'sleep 29.5')"

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
    "$(hup_ws "SELECT event, exit_status, output FROM runbook_log WHERE step = 'copy' ORDER BY id DESC LIMIT 1")|$(life)|$(pgrep -f 'while :; do sleep 0.1')"

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
row() { printf '%-16s %8s %8s %6s %7s' "$@"; }  # TABLE SOURCE TARGET DELTA LAG, as drawn
expect_text "a migrated table's live figures" live "$(row orders 3 3 0 0s)"
expect_text "no change yet to validate" live "✓ no change to check yet"
probe_row() { printf '%-16s %-8s %12s' "$@"; }  # SIGNAL SIDE VALUE, as drawn
expect_text "a probe of the plan, polled every round" live "$(probe_row dear_orders source 0)"
expect_no_text "no business checks in the plan: no failed_checks signal" live "failed_checks"
check "no bell while no alert is open" 0 "$(T display -p -t live '#{window_bell_flag}')"
expect_text "the triggers measured live, not advising before the first step is done" live \
    "triggers (advise once open is done): ✓ missing_rows 0/1"
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
expect_text "before load: the triggers say from when they advise" after \
    "triggers (advise once load is done): ✗ missing_rows 2/1"
expect_text "… the run before it advises nothing either" after \
    "rollback triggers advise once load is done: until then Production is being filled"
expect_text "the header's phase before the runbook" after "REHEARSAL 1  every 1s"
keys after r y
expect_text "freeze done …" after "┃ 1 ✓ done          freeze"
expect_text "… the header's phase: the cutover has begun" after "CUTOVER  every 1s"
expect_text "… the target still being filled: no advice yet" after \
    "triggers (advise once load is done): ✗ missing_rows 2/1"
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
writes_row() { printf '%-16s %8s %8s %6s %7s %6s' "$@"; }  # … LAG WRITES, as drawn
expect_text "no watermark: no writes yet" nowm "$(writes_row notes 1 1 0 - +0)"
sqlite3 nowm/src.db "INSERT INTO notes VALUES (2, 'b'), (3, 'c'), (4, 'd')"
expect_text "… three rows inserted on the source: +3" nowm "$(writes_row notes 4 1 3 - +3)"
sqlite3 nowm/src.db "DELETE FROM notes WHERE id > 2"
expect_text "… two deleted: -2" nowm "$(writes_row notes 2 1 1 - -2)"
T kill-session -t nowm

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

# --- sizes ---------------------------------------------------------------------------
T resize-window -t main -x 40 -y 12; sleep 0.5
expect_text "40x12: a tab strip" main " 1 Inventory  2 Mapping  3 Rehearsal dif"
expect_text "40x12: the focused panel" main "┏ 1 Inventory 10/10 decided"
T resize-window -t main -x 20 -y 6; sleep 0.5
expect_text "20x6: still a panel" main "┏ 1 Inventory 10/1…┓"
T resize-window -t main -x 12 -y 4; sleep 0.5
expect_text "12x4: says what it needs" main "cutover nee…"
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

# --- a database that is down: the dashboard runs and says so ---------------------------
mkdir down
printf '[source]\nurl = postgresql://app:s3cret@127.0.0.1:1/pilot\n[target]\nurl = sqlite:../demo/production.db\n' \
    >down/cutover.ini
start down 120 32 "$work/down"
expect_text "down: the header says so" down "src ✕ tgt ●"
expect_text "down: the panel says why" down "✕ source: down"
expect_text "down: masked URL" down "postgresql://app:***@127.0.0.1:1/pilot: connection to"
expect_text "down: the reason, wrapped" down "failed: Connection"
expect_no_text "down: no password" down "s3cret"
keys down 2
expect_text "down: keys still work" down "┏ 2 Mapping"
T kill-session -t down

# --- responsiveness: keys work while PostgreSQL holds a query --------------------------
if [ -n "${PGHOST:-}" ] && [ -n "${CUTOVER_CHINOOK_SQLITE:-}" ]; then
    mkdir slow
    printf '[source]\nurl = dbname=chinook\n[target]\nurl = sqlite:%s\n' \
        "$CUTOVER_CHINOOK_SQLITE" >slow/cutover.ini
    psql -X -q -d chinook -c "BEGIN; LOCK TABLE track IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;" \
        >/dev/null 2>&1 &
    holder=$!
    for _ in $(seq 100); do
        [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_locks WHERE relation = 'track'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
        sleep 0.1
    done
    start slow 100 30 "$work/slow"
    wait_for slow "┏ 1 Inventory"
    for _ in $(seq 100); do  # until cutover's query waits on the lock
        [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cutover' AND wait_event_type = 'Lock'")" = 1 ] && break
        sleep 0.1
    done
    keys slow 3
    if wait_for slow "┏ 3 Rehearsal diff" && kill -0 "$holder" 2>/dev/null &&
       [ "$(psql -X -At -d chinook -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cutover' AND wait_event_type = 'Lock'")" = 1 ]; then
        ok "a key changes the screen while the query waits"
    else
        not_ok "a key changes the screen while the query waits" "$(screen slow)"
    fi
    wait "$holder"
    expect_text "the inventory arrives once the lock goes" slow "Inventory 0/11 decided"
fi

finish
