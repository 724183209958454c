#!/bin/bash
# The Mapping panel on the demo: the panel zoomed (120x40) against
# tests/screen/golden/mapping.txt; the review (approve, reject with a note, a
# transform compiled as it is typed and previewed, owner, undo), written to the
# sheet and the audit log; several rows marked and approved at once;
# cutover.ini and the sheet edited by something else while the dashboard is
# open. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_demo

# --- the panel, whole ----------------------------------------------------------------
cp -r pristine whole
start whole 120 40 "$work/whole"
wait_for whole "Mapping 12/42 approved ─"  # the background lint is done
keys whole 2 z
golden "the zoomed Mapping panel, as its golden copy" whole screen/golden/mapping.txt
T kill-session -t whole

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

# --- several rows at once: m marks a row, M every row the filter shows -------------------
cp -r pristine bulk
start bk 140 36 "$work/bulk"
wait_for bk "Mapping 12/42 approved ─"
keys bk 2 m
expect_text "m marks the row" bk "Mapping 12/42 approved, 1 marked ━"
keys bk k m
expect_text "… and m again unmarks it" bk "Mapping 12/42 approved ━"
keys bk f i n v o i c e _ l i n e s . Enter M
expect_text "M marks every row the filter shows" bk "Mapping 12/42 approved, 5 marked ━"
keys bk a
expect_text "a asks one note for all of them" bk "note for all of them (optional):"
T send-keys -t bk -l "checked with finance"; sleep 0.2
keys bk Enter
expect_text "… then one confirmation" bk "Approve the 5 marked rows?"
keys bk y
expect_text "each row approved" bk "5 rows approved, each written to the sheet and the audit log"
expect_text "the title counts them, no mark left" bk "Mapping 17/42 approved ━"
check "one audit entry a row, each with the note" 5 \
    "$(sqlite3 bulk/.cutover/state.db "SELECT count(*) FROM audit WHERE action = 'approve' AND
       object LIKE 'mapping invoice_lines.%' AND new_value = 'approved: checked with finance'")"
check "mapping.csv has those 5 rows approved with the note, and no other change" "5 5" \
    "$(grep -c '^invoice_lines\..*,approved,.*,checked with finance' bulk/mapping.csv) $(diff pristine/mapping.csv bulk/mapping.csv | grep -c '^>')"
T kill-session -t bk

# --- cutover.ini edited by something else: read again as it changes (R reads it too) -----
cp -r pristine extplan
start xp 140 36 "$work/extplan"
wait_for xp "Mapping 12/42 approved ─"  # the lint, which holds the plan, is done
printf '\n[step smoke]\ntitle = Smoke test added outside\nowner = erin\n' >>extplan/cutover.ini
expect_text "a step added to the plan in an editor appears at once (no R)" xp "Cutover / Hypercare 0/5 steps done"
expect_text "… as a row of the runbook" xp " 5 · pending       smoke     Smoke test added outside"
expect_text "… saying the plan was read again" xp "cutover.ini changed: read again"
printf 'colour = blue\n' >>extplan/cutover.ini
expect_text "a plan that no longer parses is not used, saying where it is wrong" xp \
    "cutover.ini changed and is not used until it is mended: cutover.ini:$(wc -l <extplan/cutover.ini): unknown key 'colour' in [step smoke]"
expect_text "… the plan in use stays" xp "Cutover / Hypercare 0/5 steps done"
sed -i '/^colour = blue$/d; /^\[step open\]$/,/^$/d' extplan/cutover.ini  # mended, and a step gone
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

finish
