#!/bin/bash
# The cutover binary end to end: help and version, exit codes and messages for
# bad plans and unreachable databases, init, inventory (text and JSON) on the
# demo with a SQLite and with a PostgreSQL target, and on Chinook.
# Run by tests/harness.sh, which provides PostgreSQL (PGHOST, PGPORT …).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
fixtures=${CUTOVER_SRCDIR:?}/tests/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# expect NAME RC EXPECTED-STDOUT-FILE|- EXPECTED-STDERR|- -- COMMAND...
expect() {
    local name=$1 rc=$2 out=$3 err=$4
    shift 5
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    if [ "$got" != "$rc" ]; then
        not_ok "$name" "exit $got, expected $rc" "$(head -c 600 "$work/err")"
    elif [ "$out" != - ] && ! diff -u "$out" "$work/out" >"$work/diff"; then
        not_ok "$name" "stdout differs:" "$(head -40 "$work/diff")"
    elif [ "$err" != - ] && [ "$(cat "$work/err")" != "$err" ]; then
        not_ok "$name" "stderr: $(cat "$work/err")" "expected: $err"
    else
        ok "$name"
    fi
}

contains() {  # contains NAME FILE TEXT
    if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "'$3' not in:" "$(head -20 "$2")"; fi
}
lacks() {
    if grep -qF -- "$3" "$2"; then not_ok "$1" "'$3' found in $2"; else ok "$1"; fi
}

# --- help, version, usage --------------------------------------------------------
echo "cutover $(sed -n 's/^AC_INIT(\[cutover\], \[\([^]]*\)\].*/\1/p' "$CUTOVER_SRCDIR/configure.ac")" >expected
expect "--version" 0 expected - -- "$bin" --version
expect "--help" 0 - - -- "$bin" --help
contains "--help lists inventory" out "  inventory     tables on both sides: rows, keys, decision, owner, flags"
# every command's summary in one column, the longest name (discrepancies) included
check "--help: the summaries in one column" "17" \
    "$(sed -n '/^commands:/,/^$/p' out | awk 'NR > 1 && NF { print index($0, $2) }' | sort -u)"
expect "inventory --help" 0 - - -- "$bin" inventory --help
contains "inventory --help shows --json" out "--json"
expect "unknown command" 2 - "cutover: unknown command 'frobnicate' (see 'cutover --help')" -- \
    "$bin" frobnicate
expect "unknown option" 2 - "cutover inventory: unknown option or missing value '--jsn'
(see 'cutover inventory --help')" -- "$bin" inventory --jsn

# --- the dashboard: themes are checked before it needs a terminal ----------------------
printf 'header = white blue blink\n' >broken.theme
expect "a broken theme" 2 - "cutover: $PWD/broken.theme:1: unknown attribute 'blink' for role 'header' (bold, dim, underline, reverse, italic)" -- \
    "$bin" --theme "$PWD/broken.theme"
expect "an unknown theme" 2 - - -- "$bin" --theme nope
contains "an unknown theme: where it looked" err "cutover: no theme 'nope' (looked in \$XDG_CONFIG_HOME/cutover/themes, \$CUTOVER_THEMES and "
expect "no terminal" 2 - "cutover: the dashboard needs a terminal; in scripts use the commands (cutover inventory --json …)" -- \
    "$bin" tui

# --- bad plans exit 2 with file:line -----------------------------------------------
printf '[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n[step go]\ntitle = Go\ngatte = manual\n' >bad.ini
expect "bad plan: unknown key" 2 - "cutover: bad.ini:7: unknown key 'gatte' in [step go]" -- \
    "$bin" --plan bad.ini inventory
expect "missing plan" 2 - "cutover: nope.ini: cannot read the plan: No such file or directory (create one with 'cutover init', pass --plan FILE, or try 'cutover demo')" -- \
    "$bin" --plan nope.ini inventory
printf '[source]\nurl = mysql://x\n[target]\nurl = sqlite:b.db\n' >badurl.ini
expect "bad URL" 2 - "cutover: badurl.ini:2: [source] url: 'mysql://x': unknown database URL (use sqlite:FILE, postgresql://… or a libpq 'key=value' string)" -- \
    "$bin" --plan badurl.ini inventory

# --- unreachable databases exit 3 with the masked URL and the reason ----------------
printf '[source]\nurl = sqlite:missing.db\n[target]\nurl = sqlite:missing.db\n' >nofile.ini
expect "missing SQLite file" 3 - "cutover: sqlite:missing.db: cannot open 'missing.db': No such file or directory" -- \
    "$bin" --plan nofile.ini inventory
printf '[source]\nurl = sqlite:%s\n[target]\nurl = postgresql://app:s3cret@127.0.0.1:1/prod\n' \
    "${CUTOVER_CHINOOK_SQLITE:-/nonexistent}" >refused.ini
expect "refused connection" 3 - - -- "$bin" --plan refused.ini inventory
contains "refused: masked URL" err "cutover: postgresql://app:***@127.0.0.1:1/prod: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"
lacks "refused: no password" err "s3cret"

# --- the demo, SQLite target -------------------------------------------------------
expect "demo (SQLite target)" 0 "$fixtures/demo-inventory.txt" - -- "$bin" demo demo
expect "inventory --json" 0 "$fixtures/demo-inventory.json" - -- "$bin" --plan demo/cutover.ini inventory --json
printf '[source]\nurl = sqlite:demo/pilot.db\n[target]\nurl = sqlite:demo/production.db\n[table nope]\ndecision = migrate\n' >unknown.ini
expect "plan names an unknown table" 2 - "cutover: unknown.ini:5: [table nope]: no table 'nope' in the source (sqlite:demo/pilot.db)" -- \
    "$bin" --plan unknown.ini inventory
printf '[source]\nurl = sqlite:demo/pilot.db\n[target]\nurl = sqlite:demo/production.db\n[table users]\nkey = uid\n' >badkey.ini
expect "plan names an unknown key column" 2 - "cutover: badkey.ini:6: [table users]: key column 'uid' is not a column of users in the source" -- \
    "$bin" --plan badkey.ini inventory

# --- the mapping sheet on the demo --------------------------------------------------------
expect "map lint on the demo" 1 - - -- "$bin" --plan demo/cutover.ini map lint
contains "lint: the count" out "demo/mapping.csv: 2 errors, 1 warnings"
contains "lint: a rejected row leaves its column unmapped" out "error   unmapped_source: users.full_name is not mapped"
contains "lint: NULLs into NOT NULL" out "error   null_into_not_null (line 9): 35 rows carry NULL into app_users.email, which is NOT NULL"
contains "lint: rounding" out "warning precision_loss (line 20): 6 rows have more than 2 decimals"
expect "map lint --json" 1 - - -- "$bin" --plan demo/cutover.ini map lint --json
contains "lint --json: errors" out '"errors": 2,'
cp demo/mapping.csv before.csv
expect "map export" 0 - - -- "$bin" --plan demo/cutover.ini map export exported.csv
if cmp -s demo/mapping.csv exported.csv; then ok "export is byte-identical"; else not_ok "export is byte-identical"; fi
sed 's/^users.status,app_users.state,[^,]*,/users.status,app_users.state,upper(status),/; s/^accounts.id,accounts.account_id,,alice,,approved/accounts.id,accounts.account_id,id + 0,alice,,approved/' \
    exported.csv >edited.csv
expect "map import: a conflict with a reviewed row" 1 - - -- "$bin" --plan demo/cutover.ini map import edited.csv
contains "import: counts" out "demo/mapping.csv: 0 added, 1 updated, 40 unchanged, 1 conflicts"
contains "import: the conflict" out "edited.csv:2: accounts.id -> accounts.account_id is approved in demo/mapping.csv (line 2); the import differs and was not applied"
if [ "$(diff before.csv demo/mapping.csv | grep -c '^[<>]')" = 2 ] &&
   grep -q '^users.status,app_users.state,upper(status),bob' demo/mapping.csv; then
    ok "import changed only the draft row"
else
    not_ok "import changed only the draft row" "$(diff before.csv demo/mapping.csv)"
fi
expect "map suggest on the demo" 0 - - -- "$bin" --plan demo/cutover.ini map suggest
contains "suggest: nothing new, reviewed rows left alone" out "demo/mapping.csv: 0 new draft rows"
contains "suggest: what it could not pair" out "  not paired: source users.full_name"
expect "map with no subcommand" 2 - - -- "$bin" map

# --- cutover decide: decisions and owners from the command line, as the dashboard sets them --
cp -r demo decide && cd decide || exit 99
printf '%s\n' "feature_flags: decision undecided -> temporary (expires 2027-06-30)" \
    "feature_flags: owner (none) -> erin" >expected
expect "decide: a temporary decision with its date and an owner" 0 expected - -- \
    "$bin" decide feature_flags temporary --expires 2027-06-30 --owner erin
check "… written to cutover.ini in place" "decision = temporary|expires  = 2027-06-30|owner    = erin" \
    "$(sed -n '/^\[table feature_flags\]/,/^$/p' cutover.ini | sed '1d;/^$/d' | tr '\n' '|' | sed 's/|$//')"
printf '%s\n' "events: decision temporary (expires 2027-03-31) -> delete" \
    "users: decision migrate -> delete" >expected
expect "decide: several tables at once" 0 expected - -- "$bin" decide events users delete
check "… each change in the audit log, old and new" \
    "decide|table feature_flags|undecided|temporary (expires 2027-06-30)
owner|table feature_flags||erin
decide|table events|temporary (expires 2027-03-31)|delete
decide|table users|migrate|delete" \
    "$(sqlite3 .cutover/state.db "SELECT action, object, old_value, new_value FROM audit WHERE object LIKE 'table %' ORDER BY id")"
expect "decide: a table the plan does not name" 2 - \
    "cutover: cutover.ini has no [table nosuch] ('cutover inventory' lists the tables)" -- \
    "$bin" decide nosuch migrate
expect "decide: temporary without its date" 2 - \
    "cutover: a temporary decision needs the date it expires (--expires YYYY-MM-DD)" -- \
    "$bin" decide users temporary
expect "decide: not a decision" 2 - \
    "cutover decide: 'keep' is not a decision (migrate, delete, retain, temporary or undecided)
(see 'cutover decide --help')" -- "$bin" decide users keep
cd ..

# --- the acceptance report on the demo -----------------------------------------------------
expect "report --format json" 0 - - -- "$bin" --plan demo/cutover.ini report --format json
cp out report.json
check "report: the verdict first, with every reason against it (no run yet, five areas pending)" \
    "false|no rehearsal ran to its end|acceptance area completeness is pending|acceptance area stability is pending|acceptance area performance is pending|acceptance area support is pending|acceptance area compliance is pending" \
    "$(jq -r '[(.verdict.go | tostring)] + .verdict.reasons | join("|")' report.json)"
# the Pilot data's counts, taken with sqlite3, and what the decision makes of them
expected_pilot=$(jq -r '.pilot_data[] | [.table, .target_table // "-", .decision] | @tsv' report.json |
    while IFS=$'\t' read -r t tt dec; do
        s=$(sqlite3 demo/pilot.db "SELECT count(*) FROM \"$t\"")
        g=$([ "$tt" = - ] && echo null || sqlite3 demo/production.db "SELECT count(*) FROM \"$tt\"")
        case $dec in
            migrate) a=$([ "$tt" != - ] && [ "$s" = "$g" ] && echo true || echo false) ;;
            delete|retain) a=$([ "$g" = null ] || [ "$g" = 0 ] && echo true || echo false) ;;
            temporary) a=$(jq -r --arg t "$t" '.pilot_data[] | select(.table == $t) | .expires != null' report.json) ;;
            *) a=false ;;
        esac
        echo "$t $dec $s $g $a"
    done)
check "report: every table's Pilot data, counted, and whether the target agrees" "$expected_pilot" \
    "$(jq -r '.pilot_data[] | "\(.table) \(.decision) \(.source_rows) \(.target_rows) \(.target_agrees)"' report.json)"
check "report: the mapping review, as the sheet has it" \
    "$(sqlite3 :memory: ".import --csv demo/mapping.csv m" "SELECT count(*), sum(status = 'approved'), sum(status = 'rejected'), sum(status = 'draft') FROM m" | tr '|' ' ')" \
    "$(jq -r '.mapping | "\(.rows) \(.approved) \(.rejected) \(.draft)"' report.json)"
check "report: the reviewers with their rows" \
    "$(sqlite3 :memory: ".import --csv demo/mapping.csv m" "SELECT reviewer, count(*) FROM m WHERE reviewer <> '' GROUP BY reviewer ORDER BY reviewer" | tr '|' ' ' | tr '\n' '|')" \
    "$(jq -r '.mapping.reviewers | sort_by(.reviewer)[] | "\(.reviewer) \(.rows)"' report.json | tr '\n' '|')"
check "report: nothing recorded yet; no area accepted, no checklist item done" "0 0 0 0 0 0 pending,pending,pending,pending,pending" \
    "$(jq -r '"\(.rehearsals | length) \(.discrepancies.items | length) \(.timeline | length) \(.hypercare.sessions | length) \(.acceptance.accepted) \(.acceptance.done) \(.acceptance.areas | map(.status) | join(","))"' report.json)"
expect "report as Markdown" 0 - - -- "$bin" --plan demo/cutover.ini report
check "report: the Markdown's sections, in order" \
    "# Acceptance report: Pilot to Production|## Verdict: NO-GO|## Pilot data|## Mapping review|## Rehearsals|## Discrepancies|## Cutover timeline|## Hypercare|### Alerts|## Acceptance|### Data completeness: pending|### Functional stability: pending|### Performance: pending|### Support impact: pending|### Compliance and governance: pending|## Decommission checklist|### Tables decided delete that still have rows in the target|### Pilot data to keep|" \
    "$(grep '^#' out | tr '\n' '|')"
contains "report: a table's row in Markdown" out "| accounts | accounts | migrate | alice |  | 200 | 198 | false | the target has 198 rows, the source 200 |"
cp out report-stdout.md
expect "report -o FILE" 0 - - -- "$bin" --plan demo/cutover.ini report -o report.md
check "report -o writes what standard output shows" "" \
    "$(diff <(grep -v '^Generated' report-stdout.md) <(grep -v '^Generated' report.md))"
expect "report -o to a folder that does not exist: exit 2, the file named" 2 - \
    "cutover: no/such/folder/report.md: cannot write: No such file or directory" -- \
    "$bin" --plan demo/cutover.ini report -o no/such/folder/report.md
expect "report: a bad format" 2 - "cutover report: --format pdf: the formats are md, html and json
(see 'cutover report --help')" -- "$bin" --plan demo/cutover.ini report --format pdf
sed 's|^workspace *=.*|workspace = .cutover/elsewhere.db|' demo/cutover.ini >demo/elsewhere.ini
expect "report on a plan whose workspace does not exist yet" 0 - - -- "$bin" --plan demo/elsewhere.ini report
[ ! -e demo/.cutover/elsewhere.db ] && ok "report does not create a workspace" ||
    not_ok "report does not create a workspace"
# an approval that names no reviewer (a sheet edited by hand): lint warns, the report
# counts it and compliance does not hold on it
cp demo/mapping.csv demo/mapping.keep
sed -i 's/^\(accounts\.id,accounts\.account_id,[^,]*,[^,]*,[^,]*,approved\),[^,]*,[^,]*,/\1,,,/' demo/mapping.csv
grep -q '^accounts\.id,accounts\.account_id,[^,]*,[^,]*,[^,]*,approved,,,' demo/mapping.csv || exit 99
"$bin" --plan demo/cutover.ini map lint --json >lint.json
check "lint: an approval without a reviewer is a warning at its line" \
    "unsigned_approval warning 2 approved, but no reviewer is named: who approved it is not on record" \
    "$(jq -r '.findings[] | select(.code == "unsigned_approval") | "\(.code) \(.severity) \(.line) \(.message)"' lint.json)"
"$bin" --plan demo/cutover.ini report --format json >unsigned.json
check "report: counted, and named in compliance's evidence" \
    "1|1 approved without a reviewer named (who approved them is not on record)" \
    "$(jq -r '.mapping.approved_unsigned' unsigned.json)|$(jq -r '.acceptance.areas[] | select(.area == "compliance") | .evidence[1]' unsigned.json)"
mv demo/mapping.keep demo/mapping.csv

# --- accepting an area against evidence that does not hold: only with a note, as an exception
cp -r demo except
expect "accept against evidence that does not hold, without a note: refused" 2 - \
    "cutover: completeness: the measured evidence does not hold ('cutover accept' shows it): accepting it anyway needs --note saying why, and the report shows it as an exception" -- \
    "$bin" --plan except/cutover.ini accept completeness accepted
expect "… with a note saying why: accepted" 0 - - -- \
    "$bin" --plan except/cutover.ini accept completeness accepted --note "the 17 rows are test data"
"$bin" --plan except/cutover.ini report >except.md
check "… and the report shows it as an exception, with the note" \
    "### Data completeness: accepted as an exception|true" \
    "$(grep '^### Data completeness' except.md)|$("$bin" --plan except/cutover.ini report --format json | jq -r '.acceptance.areas[0].exception')"
contains "… the signer's note beside it" except.md "the 17 rows are test data"
"$bin" --plan except/cutover.ini decommission >decom.txt
check "decommission: a table decided delete that still has rows in the target is listed" \
    "Decided delete, still in the target:|page_views: 150 rows in page_views" \
    "$(grep -A1 '^Decided delete' decom.txt | tr '\n' '|' | sed 's/|$//')"
check "… in the report's JSON too, with the count sqlite3 gives" \
    "page_views page_views $(sqlite3 except/production.db 'SELECT count(*) FROM page_views')" \
    "$("$bin" --plan except/cutover.ini report --format json | jq -r '.acceptance.delete_left[] | "\(.table) \(.target_table) \(.target_rows)"')"

# --- the demo, PostgreSQL target: the same inventory ---------------------------------
if [ -n "${PGHOST:-}" ]; then
    createdb demo_prod
    sed 's|sqlite:production.db|dbname=demo_prod|' "$fixtures/demo-inventory.txt" |
        sed 's|^demo migration built in demo/|demo migration built in pgdemo/|; s|plan demo/|plan pgdemo/|' >expected
    expect "demo --target PostgreSQL" 0 expected - -- "$bin" demo pgdemo --target dbname=demo_prod
    expect "demo refuses a non-empty target" 3 - "cutover: dbname=demo_prod: demo: the target already has the demo's tables (accounts, app_users, subscriptions, invoices, invoice_lines, api_credentials, events, audit_log, page_views): use an empty database" -- \
        "$bin" demo pgdemo2 --target dbname=demo_prod
    sed -i 's|^url *= *dbname=demo_prod$|url = dbname=demo_prod password=hunter2|' pgdemo/cutover.ini
    expect "report with a password in the target's URL" 0 - - -- "$bin" --plan pgdemo/cutover.ini report
    lacks "the report never shows the password" out "hunter2"
    contains "… the URL masked instead" out "Target: Production (\`dbname=demo_prod password=***\`)."
fi

# --- init on Chinook, and its inventory ----------------------------------------------
if [ -n "${CUTOVER_CHINOOK_SQLITE:-}" ] && [ -n "${PGHOST:-}" ]; then
    src="sqlite:$CUTOVER_CHINOOK_SQLITE"
    expect "init" 0 - - -- "$bin" init --source "$src" --target "dbname=chinook password=hunter2"
    contains "init output" out "wrote cutover.ini: 11 source tables, 11 paired with a target table"
    contains "init writes the sheet" out "wrote mapping.csv: 64 draft rows to review"
    contains "init pairs PlaylistTrack" cutover.ini "[table PlaylistTrack]
target   = playlist_track
key      = PlaylistId, TrackId
decision = undecided"
    lacks "init leaves the password out" cutover.ini "hunter2"
    contains "init says where the password went" cutover.ini "; the password is left out"
    expect "init refuses to overwrite" 2 - "cutover init: cutover.ini exists; use --force to overwrite it" -- \
        "$bin" init --source "$src" --target dbname=chinook
    expect "init --force" 0 - - -- "$bin" init --source "$src" --target dbname=chinook --force
    sed "s|@CHINOOK@|$CUTOVER_CHINOOK_SQLITE|" "$fixtures/chinook-inventory.txt" >expected
    expect "inventory of Chinook" 0 expected - -- "$bin" inventory
fi

# --- init: a table without a primary key takes a unique NOT NULL key -----------------
mkdir uniquekey && cd uniquekey || exit 99
sqlite3 a.db "CREATE TABLE t (code TEXT NOT NULL UNIQUE, v INT); CREATE TABLE n (code TEXT UNIQUE, v INT);
    CREATE TABLE c (a TEXT UNIQUE, b INT NOT NULL, c INT NOT NULL, UNIQUE (b, c))"
cp a.db b.db
expect "init on tables without a primary key" 0 - - -- "$bin" init --source sqlite:a.db --target sqlite:b.db
check "… the unique NOT NULL columns are the key; a nullable unique column is not" \
    "c:b, c|n:-|t:code|" \
    "$(awk '/^\[table / { t = substr($2, 1, length($2) - 1); k = "-" } /^key/ { sub(/^key *= */, ""); k = $0 }
            /^decision/ { printf "%s:%s|", t, k }' cutover.ini)"
cd ..

# --- init against production tables in their own schema ---------------------------
if [ -n "${PGHOST:-}" ]; then
    mkdir schemas && cd schemas || exit 99
    createdb appschema
    psql -X -q -d appschema -c "CREATE SCHEMA app; CREATE SCHEMA audit;
        CREATE TABLE app.users (id int PRIMARY KEY, email text); CREATE TABLE app.orders (id int PRIMARY KEY);
        CREATE TABLE app.events (id int PRIMARY KEY); CREATE TABLE audit.events (id int PRIMARY KEY)"
    sqlite3 pilot.db "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY); CREATE TABLE events (id INTEGER PRIMARY KEY)"
    expect "init: tables found in another schema by their bare name" 0 - - -- \
        "$bin" init --source sqlite:pilot.db --target dbname=appschema
    check "… paired, except the one two schemas both have" "events - orders app.orders users app.users " \
        "$(awk '/^\[table / { t = substr($2, 1, length($2) - 1); g = "-" }
                /^target/ { g = $3 } /^decision/ { printf "%s %s ", t, g }' cutover.ini)"
    # a role that may read app.users only: the counts it cannot take say why
    psql -X -q -d appschema -c "CREATE ROLE cutover_ro LOGIN" -c "GRANT USAGE ON SCHEMA app TO cutover_ro" \
        -c "GRANT SELECT ON app.users TO cutover_ro"
    sed -i 's|^url *= *dbname=appschema$|url = dbname=appschema user=cutover_ro|' cutover.ini
    "$bin" inventory >inv.txt
    check "inventory: a count refused names the table, the side and the server's reason (without the query it quotes)" \
        "counts that failed:|  app.orders (target): dbname=appschema user=cutover_ro: ERROR:  permission denied for table orders (SQLSTATE 42501)|  app.events (target): dbname=appschema user=cutover_ro: ERROR:  permission denied for table events (SQLSTATE 42501)|  audit.events (target): dbname=appschema user=cutover_ro: ERROR:  permission denied for schema audit (SQLSTATE 42501)|" \
        "$(sed -n '/^counts that failed:/,$p' inv.txt | tr '\n' '|')"
    check "… in the JSON too; app.users counted" "orders uncounted permission denied for table orders|users exact null|" \
        "$("$bin" inventory --json | jq -r '.tables[] | select(.target_table == "app.orders" or .target_table == "app.users")
            | "\(.source_table) \(if .target_count == "unknown" then "uncounted" else .target_count end) \(.target_count_error | if . then sub(".*ERROR:  "; "") | sub(" \\(SQLSTATE.*"; "") else . end)"' | tr '\n' '|')"
    cd ..
    mkdir nopairs && cd nopairs || exit 99
    sqlite3 pilot.db "CREATE TABLE zzz (id INTEGER PRIMARY KEY)"
    expect "init with nothing to pair" 0 - - -- "$bin" init --source sqlite:pilot.db --target dbname=appschema
    check "… still writes the sheet it says it wrote: its header" \
        "source,target,transform,owner,rule,status,reviewer,reviewed_at,note" "$(cat mapping.csv)"
    cd ..
fi

finish
