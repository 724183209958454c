#!/bin/bash
# Bad input, table-driven (DESIGN.md, "Safety rules" and "Command line"): a
# malformed plan, mapping sheet, connection URL or command line gets the exact
# exit code (2 bad usage, plan or sheet; 3 a database unreachable or refusing;
# 1 a lint finding) and a message naming the file and line, or the table and
# column, or the option. Each case starts from a pristine copy of one fixture
# (a SQLite Pilot and a PostgreSQL Production, cutover.ini and mapping.csv from
# 'cutover init', then a check, a step, rollback, hypercare and a probe added),
# breaks it one way and runs one command. Cases still wrong are in
# tests/bad/pending.txt, not here. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-bad.XXXXXX")
trap 'rm -rf "$work"' EXIT
pristine=$work/pristine
mkdir "$pristine" && cd "$pristine" || exit 99

# --- the fixture ------------------------------------------------------------------
sqlite3 src.db "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, created_at TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
                     amount NUMERIC, status TEXT);
INSERT INTO users VALUES (1, 'a@x.io', 'Ann', '2024-01-01 10:00:00'), (2, 'b@x.io', 'Bob', '2024-01-02 11:00:00');
INSERT INTO orders VALUES (10, 1, 12.5, 'A'), (11, 2, 3, 'B');" || exit 99
createdb cutover_bad_tgt || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d cutover_bad_tgt -c "
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text, created_at timestamp);
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users(id),
                     amount numeric(10,2), status text);
INSERT INTO users VALUES (1, 'a@x.io', 'Ann', '2024-01-01 10:00:00'), (2, 'b@x.io', 'Bob', '2024-01-02 11:00:00');
INSERT INTO orders VALUES (10, 1, 12.5, 'A'), (11, 2, 3, 'B');" || exit 99
"$bin" init --source sqlite:src.db --target dbname=cutover_bad_tgt >/dev/null || exit 99
sed -i 's/^decision *= *undecided$/decision = migrate/' cutover.ini
sed -i '2,$ s/^\([^,]*,[^,]*,[^,]*,\)/\1alice/' mapping.csv  # owned: lint finds nothing
cat >>cutover.ini <<'E'

[check user_count]
source    = SELECT count(*) FROM users
target    = SELECT count(*) FROM users
tolerance = 0
owner     = bob

[step freeze]
title    = Freeze writes
owner    = alice
run      = true
expect   = 5m
gate     = checks
rollback = true

[rollback]
trigger.missing_rows = 1
trigger.error_rate   = 1%
authority            = carol
after                = freeze

[hypercare]
duration     = 72h
interval     = 30s
alert.drift_rows = 0
alert.lag    = 60s
exact_rows   = 1000000
bell         = no
checks_every = 10

[probe failed_jobs]
sql   = SELECT 0
side  = target
alert = 1, 5
E

# Line numbers in the pristine files, found rather than assumed.
pf=$pristine/cutover.ini sf=$pristine/mapping.csv
at() { grep -n -m1 -- "$1" "$pf" | cut -d: -f1; }
# in SECTION: the line of the first key matching REGEX
key_at() { awk -v h="$1" -v k="$2" 'f && /^\[/ { f = 0 } $0 == h { f = 1; next }
                                 f && $0 ~ k { print NR; exit }' "$pf"; }
row() { grep -n -m1 -- "^$1," "$sf" | cut -d: -f1; }
M=$(at '^\[migration\]') M_name=$(key_at '[migration]' '^name') M_map=$(key_at '[migration]' '^mapping')
M_ws=$(key_at '[migration]' '^workspace')
SRC=$(at '^\[source\]') SRC_url=$(key_at '[source]' '^url') SRC_label=$(key_at '[source]' '^label')
TGT=$(at '^\[target\]') TGT_url=$(key_at '[target]' '^url') TGT_label=$(key_at '[target]' '^label')
T=$(at '^\[table orders\]') T_target=$(key_at '[table orders]' '^target') T_key=$(key_at '[table orders]' '^key')
T_dec=$(key_at '[table orders]' '^decision')
C=$(at '^\[check user_count\]') C_src=$(key_at '[check user_count]' '^source')
C_tgt=$(key_at '[check user_count]' '^target') C_tol=$(key_at '[check user_count]' '^tolerance')
C_owner=$(key_at '[check user_count]' '^owner')
ST=$(at '^\[step freeze\]') ST_title=$(key_at '[step freeze]' '^title') ST_owner=$(key_at '[step freeze]' '^owner')
ST_expect=$(key_at '[step freeze]' '^expect') ST_gate=$(key_at '[step freeze]' '^gate')
RB=$(at '^\[rollback\]') RB_miss=$(key_at '[rollback]' '^trigger.missing') RB_err=$(key_at '[rollback]' '^trigger.error')
RB_auth=$(key_at '[rollback]' '^authority') RB_after=$(key_at '[rollback]' '^after')
HC=$(at '^\[hypercare\]') HC_dur=$(key_at '[hypercare]' '^duration') HC_int=$(key_at '[hypercare]' '^interval')
HC_drift=$(key_at '[hypercare]' '^alert.drift') HC_lag=$(key_at '[hypercare]' '^alert.lag')
HC_exact=$(key_at '[hypercare]' '^exact_rows') HC_bell=$(key_at '[hypercare]' '^bell')
HC_every=$(key_at '[hypercare]' '^checks_every')
PR=$(at '^\[probe failed_jobs\]') PR_sql=$(key_at '[probe failed_jobs]' '^sql')
PR_side=$(key_at '[probe failed_jobs]' '^side') PR_alert=$(key_at '[probe failed_jobs]' '^alert')
LAST=$(wc -l <"$pf") NS=$(wc -l <"$sf")
R_id=$(row orders.id) R_uid=$(row orders.user_id) R_amount=$(row orders.amount)
for v in M M_name M_map M_ws SRC SRC_url SRC_label TGT TGT_url TGT_label T T_target T_key T_dec \
         C C_src C_tgt C_tol C_owner ST ST_title ST_owner ST_expect ST_gate RB RB_miss RB_err \
         RB_auth RB_after HC HC_dur HC_int HC_drift HC_lag HC_exact HC_bell HC_every PR PR_sql \
         PR_side PR_alert R_id R_uid R_amount; do
    [ -n "${!v}" ] || { echo "fixture: no line for $v" >&2; exit 99; }
done
[ "$(sed -n "${R_uid}p" "$sf")" = "orders.user_id,orders.user_id,,alice,,draft,,," ] || {
    echo "fixture: unexpected sheet row: $(sed -n "${R_uid}p" "$sf")" >&2; exit 99; }

# --- the helpers --------------------------------------------------------------------
# Edits, run in the case's copy: replace line N of the plan or the sheet with
# the lines given (none: delete it), append lines to either.
pl() { local n=$1; shift; edit_lines cutover.ini "$n" "$@"; }
sl() { local n=$1; shift; edit_lines mapping.csv "$n" "$@"; }
pa() { printf '%s\n' "$@" >>cutover.ini; }
sa() { printf '%s\n' "$@" >>mapping.csv; }
edit_lines() {
    local f=$1 n=$2
    shift 2
    { head -n $((n - 1)) "$f"; [ $# = 0 ] || printf '%s\n' "$@"; tail -n +$((n + 1)) "$f"; } >"$f.new" &&
        mv "$f.new" "$f"
}
# the [target] url, and the [source] one
turl() { pl "$TGT_url" "url = $1"; }
surl() { pl "$SRC_url" "url = $1"; }

# case_ NAME RC MESSAGE [EDIT… [:: EDIT…]] -- COMMAND…
# From a pristine copy, apply the edits, run COMMAND (stdin /dev/null) and
# check its exit status is RC and its output (stderr, then stdout) has MESSAGE
# as a whole line, or, when MESSAGE starts with '~', contains the rest of it.
# No case's output may show the password s3cret the URL cases use.
n_cases=0
case_() {
    local name=$1 rc=$2 msg=$3 dir=$work/case got out
    local -a ed=()
    shift 3
    while [ $# -gt 0 ] && [ "$1" != -- ]; do ed+=("$1"); shift; done
    shift  # --
    n_cases=$((n_cases + 1))
    rm -rf "$dir" && cp -a "$pristine" "$dir" && cd "$dir" || exit 99
    while [ ${#ed[@]} -gt 0 ]; do
        local -a one=()
        while [ ${#ed[@]} -gt 0 ] && [ "${ed[0]}" != :: ]; do one+=("${ed[0]}"); ed=("${ed[@]:1}"); done
        [ ${#ed[@]} -gt 0 ] && ed=("${ed[@]:1}")
        "${one[@]}" || { not_ok "$name: the edit failed: ${one[*]}"; cd "$work"; return; }
    done
    "$@" </dev/null >"$work/out" 2>"$work/err"
    got=$?
    cd "$work" || exit 99
    out=$(cat "$work/err" "$work/out")
    if [ "$got" != "$rc" ]; then
        not_ok "$name: exit $rc" "actual exit: $got" "output: $(head -c 600 <<<"$out")"
    elif [[ $msg = "~"* ]] && ! grep -qF -- "${msg#\~}" <<<"$out"; then
        not_ok "$name: says '${msg#\~}'" "output: $(head -c 600 <<<"$out")"
    elif [[ $msg != "~"* ]] && ! grep -qxF -- "$msg" <<<"$out"; then
        not_ok "$name: says the line '$msg'" "output: $(head -c 600 <<<"$out")"
    elif grep -q s3cret <<<"$out"; then
        not_ok "$name: never shows the password" "output: $(head -c 600 <<<"$out")"
    else
        ok "$name: exit $rc, '${msg#\~}'"
    fi
}
B=$bin
P=cutover.ini S=mapping.csv

# --- the fixture is clean ------------------------------------------------------------
case_ "pristine: inventory" 0 "~SOURCE" -- $B inventory
case_ "pristine: map lint" 0 "mapping.csv: 0 errors, 0 warnings" -- $B map lint
case_ "pristine: diff" 0 "0 missing, 0 extra, 0 changed" -- $B diff

# --- the plan: syntax ------------------------------------------------------------------
case_ "plan: missing file" 2 "cutover: nosuch.ini: cannot read the plan: No such file or directory (create one with 'cutover init', pass --plan FILE, or try 'cutover demo')" \
    -- $B --plan nosuch.ini inventory
case_ "plan: a line that is no key = value" 2 "cutover: $P:$M_name: syntax error: expected [section], key = value or a comment" \
    pl "$M_name" 'name' -- $B inventory
case_ "plan: a key outside any section" 2 "cutover: $P:$M: 'name' is outside any section (start with [migration])" \
    pl "$M" 'name = x' -- $B inventory
case_ "plan: an empty key name" 2 "~cutover: $P:$M_name: " pl "$M_name" '= x' -- $B inventory
case_ "plan: unknown section" 2 "cutover: $P:$T: unknown section [tables] (known: migration, source, target, table NAME, check NAME, step NAME, rollback, hypercare, probe NAME, wave NAME)" \
    pl "$T" '[tables orders]' -- $B inventory
case_ "plan: a section header without ]" 2 "cutover: $P:$T: section header without ']'" \
    pl "$T" '[table orders' -- $B inventory
case_ "plan: a key with no value" 2 "cutover: $P:$SRC_label: key 'label' has no value" \
    pl "$SRC_label" 'label =' -- $B inventory
case_ "plan: an indented line continuing a single-line key" 2 "cutover: $P:$((ST_gate + 1)): indented line continues 'gate', which takes a single-line value" \
    pl "$ST_gate" 'gate = checks' '  diff' -- $B inventory
case_ "plan: an indented line continuing decision" 2 "cutover: $P:$((T_dec + 1)): indented line continues 'decision', which takes a single-line value" \
    pl "$T_dec" 'decision = migrate' '  retain' -- $B inventory
case_ "plan: a line longer than the reader takes" 2 "~cutover: $P:$((LAST + 2)): line longer than " \
    pa '[step long]' "title = $(printf 'x%.0s' $(seq 5000))" -- $B inventory
case_ "plan: named with --plan elsewhere, the message names that path" 2 "cutover: sub/cutover.ini:$M_name: unknown key 'nam' in [migration]" \
    mkdir sub :: mv cutover.ini mapping.csv src.db sub/ :: edit_lines sub/cutover.ini "$M_name" 'nam = x' \
    -- $B --plan sub/cutover.ini inventory

# --- [migration] -----------------------------------------------------------------------
case_ "[migration]: unknown key" 2 "cutover: $P:$M_name: unknown key 'nam' in [migration]" \
    pl "$M_name" 'nam = x' -- $B inventory
case_ "[migration]: duplicate key" 2 "cutover: $P:$((M_name + 1)): duplicate key 'name' in [migration]" \
    pl "$M_name" 'name = a' 'name = b' -- $B inventory
case_ "[migration]: null_rate_shift not a share" 2 "cutover: $P:$((M + 1)): null_rate_shift 'much': expected percentage points from 0 to 100, such as 0.1%" \
    pl "$M" '[migration]' 'null_rate_shift = much' -- $B inventory
case_ "[migration]: null_rate_shift over 100 points" 2 "cutover: $P:$((M + 1)): null_rate_shift '150%': expected percentage points from 0 to 100, such as 0.1%" \
    pl "$M" '[migration]' 'null_rate_shift = 150%' -- $B inventory
case_ "[migration]: structure_timeout not a duration" 2 "cutover: $P:$((M + 1)): structure_timeout 'soon': expected a duration such as 30s (units ms, s, m, h, d)" \
    pl "$M" '[migration]' 'structure_timeout = soon' -- $B inventory
case_ "[migration]: duplicate section" 2 "cutover: $P:$((LAST + 2)): duplicate section [migration]" \
    pa '' '[migration]' -- $B inventory
case_ "[migration]: a name on it" 2 "cutover: $P:$M: section [migration] takes no name" \
    pl "$M" '[migration main]' -- $B inventory
case_ "[migration]: mapping names a missing sheet" 2 "cutover: nosuch.csv: cannot read the mapping sheet: No such file or directory" \
    pl "$M_map" 'mapping = nosuch.csv' -- $B diff
case_ "[migration]: workspace in a missing folder" 2 "cutover: /nonexistent/dir: cannot create the workspace directory: No such file or directory" \
    pl "$M_ws" 'workspace = /nonexistent/dir/state.db' -- $B diff

# --- [source] and [target] -------------------------------------------------------------
case_ "[source]: unknown key" 2 "cutover: $P:$SRC_label: unknown key 'labl' in [source]" \
    pl "$SRC_label" 'labl = x' -- $B inventory
case_ "[target]: unknown key" 2 "cutover: $P:$TGT_label: unknown key 'lable' in [target]" \
    pl "$TGT_label" 'lable = x' -- $B inventory
case_ "[target]: duplicate url" 2 "cutover: $P:$((TGT_url + 1)): duplicate key 'url' in [target]" \
    pl "$TGT_url" 'url = dbname=cutover_bad_tgt' 'url = dbname=cutover_bad_tgt' -- $B inventory
case_ "[target]: url with no value" 2 "cutover: $P:$TGT_url: key 'url' has no value" \
    pl "$TGT_url" 'url =' -- $B inventory
case_ "[source]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [source]" \
    pa '[source]' 'url = sqlite:src.db' -- $B inventory
case_ "[target]: a name on it" 2 "cutover: $P:$TGT: section [target] takes no name" \
    pl "$TGT" '[target prod]' -- $B inventory
case_ "[target]: no [target] section at all" 2 "cutover: $P:$((LAST - 3)): no [target] url: add [target] with url = sqlite:FILE or postgresql://…" \
    pl "$TGT_label" :: pl "$TGT_url" :: pl "$TGT" -- $B inventory

# --- URLs ----------------------------------------------------------------------------
case_ "url: unknown scheme" 2 "cutover: $P:$TGT_url: [target] url: 'mysql://h/db': unknown database URL (use sqlite:FILE, postgresql://… or a libpq 'key=value' string)" \
    turl 'mysql://h/db' -- $B inventory
case_ "url: unknown scheme on the source" 2 "cutover: $P:$SRC_url: [source] url: 'oracle:pilot': unknown database URL (use sqlite:FILE, postgresql://… or a libpq 'key=value' string)" \
    surl 'oracle:pilot' -- $B inventory
case_ "url: neither a URL nor key=value" 2 "cutover: $P:$TGT_url: [target] url: 'notaurl': unknown database URL (use sqlite:FILE, postgresql://… or a libpq 'key=value' string)" \
    turl 'notaurl' -- $B inventory
case_ "url: a conninfo value libpq checks only when it connects (was P10b)" 2 "cutover: $P:$TGT_url: [target] url: sslmode 'bogus' is not one of: disable allow prefer require verify-ca verify-full" \
    turl 'dbname=cutover_bad_tgt sslmode=bogus' -- $B inventory
case_ "url: the same in a URI" 2 "cutover: $P:$TGT_url: [target] url: target_session_attrs 'writable' is not one of: any read-write read-only primary standby prefer-standby" \
    turl 'postgresql:///cutover_bad_tgt?target_session_attrs=writable' -- $B inventory
case_ "url: sqlite: with no file" 2 "cutover: $P:$TGT_url: [target] url: 'sqlite:': no file after 'sqlite:'" \
    turl 'sqlite:' -- $B inventory
case_ "url: a missing SQLite file" 3 "cutover: sqlite:nosuch.db: cannot open 'nosuch.db': No such file or directory" \
    surl 'sqlite:nosuch.db' -- $B inventory
case_ "url: a missing absolute SQLite file" 3 "cutover: sqlite:///nonexistent/x.db: cannot open '/nonexistent/x.db': No such file or directory" \
    surl 'sqlite:///nonexistent/x.db' -- $B diff
case_ "url: a SQLite file that is not a database" 3 "cutover: sqlite:src.db: cannot open 'src.db': file is not a database" \
    sh -c 'echo not a database >src.db' -- $B inventory
case_ "url: an empty in-memory target has none of the plan's tables" 2 "cutover: $P:$T_target: [table orders]: no table 'orders' in the target (sqlite::memory:)" \
    turl 'sqlite::memory:' -- $B inventory
case_ "url: nothing listens on the port (URI)" 3 "~cutover: postgresql://127.0.0.1:1/db: connection to server at \"127.0.0.1\", port 1 failed: Connection refused" \
    turl 'postgresql://127.0.0.1:1/db' -- $B inventory
case_ "url: nothing listens on the port (conninfo)" 3 "~cutover: host=127.0.0.1 port=1 dbname=x: connection to server at \"127.0.0.1\", port 1 failed: Connection refused" \
    turl 'host=127.0.0.1 port=1 dbname=x' -- $B diff
case_ "url: unreachable source on PostgreSQL" 3 "~cutover: postgres://127.0.0.1:1/pilot: connection to server at \"127.0.0.1\", port 1 failed" \
    surl 'postgres://127.0.0.1:1/pilot' -- $B map lint
case_ "url: a database that does not exist" 3 "~cutover: dbname=nosuchdb: connection to server on socket" \
    turl 'dbname=nosuchdb' -- $B inventory
case_ "url: a role that does not exist" 3 "~FATAL:  role \"nosuchrole\" does not exist" \
    turl 'dbname=cutover_bad_tgt user=nosuchrole' -- $B diff
case_ "url: the password in a URI is masked" 3 "~cutover: postgresql://u:***@127.0.0.1:1/db: connection to server at" \
    turl 'postgresql://u:s3cret@127.0.0.1:1/db' -- $B inventory
case_ "url: the password in conninfo is masked" 3 "~cutover: host=127.0.0.1 port=1 password=***: connection to server at" \
    turl 'host=127.0.0.1 port=1 password=s3cret' -- $B inventory
case_ "url: masked in report too" 3 "~password=***" \
    turl 'host=127.0.0.1 port=1 password=s3cret' -- $B report --format json

# --- [table NAME] ----------------------------------------------------------------------
case_ "[table]: no such source table" 2 "cutover: $P:$T: [table nosuch]: no table 'nosuch' in the source (sqlite:src.db)" \
    pl "$T" '[table nosuch]' -- $B inventory
case_ "[table]: no such target table" 2 "cutover: $P:$T_target: [table orders]: no table 'nosuch' in the target (dbname=cutover_bad_tgt)" \
    pl "$T_target" 'target = nosuch' -- $B inventory
case_ "[table]: no such key column" 2 "cutover: $P:$T_key: [table orders]: key column 'nosuch' is not a column of orders in the source" \
    pl "$T_key" 'key = nosuch' -- $B diff
case_ "[table]: key with no column" 2 "cutover: $P:$T_key: key ',': expected column names separated by commas" \
    pl "$T_key" 'key = ,' -- $B inventory
case_ "[table]: unknown decision" 2 "cutover: $P:$T_dec: decision 'move': expected migrate, delete, retain, temporary or undecided" \
    pl "$T_dec" 'decision = move' -- $B inventory
case_ "[table]: decision in the wrong case" 2 "cutover: $P:$T_dec: decision 'Migrate': expected migrate, delete, retain, temporary or undecided" \
    pl "$T_dec" 'decision = Migrate' -- $B inventory
case_ "[table]: expires without decision = temporary" 2 "cutover: $P:$((T_dec + 1)): [table orders]: expires is only for decision = temporary (decision is migrate)" \
    pl "$T_dec" 'decision = migrate' 'expires = 2027-03-31' -- $B inventory
case_ "[table]: expires month 13" 2 "cutover: $P:$((T_dec + 1)): expires '2027-13-01': expected a date YYYY-MM-DD" \
    pl "$T_dec" 'decision = temporary' 'expires = 2027-13-01' -- $B inventory
case_ "[table]: expires not a date" 2 "cutover: $P:$((T_dec + 1)): expires 'tomorrow': expected a date YYYY-MM-DD" \
    pl "$T_dec" 'decision = temporary' 'expires = tomorrow' -- $B inventory
case_ "[table]: expires in another format" 2 "cutover: $P:$((T_dec + 1)): expires '31/03/2027': expected a date YYYY-MM-DD" \
    pl "$T_dec" 'decision = temporary' 'expires = 31/03/2027' -- $B inventory
case_ "[table]: expect_index without a column" 2 "cutover: $P:$((T_dec + 1)): expect_index ', ,': expected column names separated by commas, or several indexes as (a, b), (c)" \
    pl "$T_dec" 'decision = migrate' 'expect_index = , ,' -- $B inventory
case_ "[table]: expect_index, a parenthesis not closed" 2 "cutover: $P:$((T_dec + 1)): expect_index '(user_id), (status': expected column names separated by commas, or several indexes as (a, b), (c)" \
    pl "$T_dec" 'decision = migrate' 'expect_index = (user_id), (status' -- $B inventory
case_ "[table]: no name" 2 "cutover: $P:$T: section [table] needs a name: [table NAME]" \
    pl "$T" '[table]' -- $B inventory
case_ "[table]: duplicate section" 2 "cutover: $P:$((LAST + 2)): duplicate section [table orders]" \
    pa '' '[table orders]' 'key = id' -- $B inventory
case_ "[table]: unknown key" 2 "cutover: $P:$T_dec: unknown key 'gatte' in [table orders]" \
    pl "$T_dec" 'gatte = diff' -- $B inventory
case_ "[table]: duplicate key" 2 "cutover: $P:$((T_dec + 1)): duplicate key 'decision' in [table orders]" \
    pl "$T_dec" 'decision = migrate' 'decision = delete' -- $B inventory
case_ "[table]: where over an unknown column (the source refuses it)" 3 "~error: sqlite:src.db: no such column: nosuch (in the source's query for orders: its where, $P:$((T_dec + 1)))" \
    pl "$T_dec" 'decision = migrate' 'where = nosuch = 1' -- $B diff
case_ "[table]: where with a second statement" 2 "cutover: $P:$((T_dec + 1)): [table orders] where: a ';' ends the statement it goes into (one expression is expected)" \
    pl "$T_dec" 'decision = migrate' 'where = 1; DELETE FROM orders' -- $B diff

case_ "[table]: watermark not a column (watch refuses the table.column)" 2 "cutover: table orders: watermark column 'nosuch' is not in the source table" \
    pl "$T_dec" 'decision = migrate' 'watermark = nosuch' -- $B watch --headless --for 1s --interval 1s

# --- [check NAME] ----------------------------------------------------------------------
case_ "[check]: unknown key" 2 "cutover: $P:$C_owner: unknown key 'gatte' in [check user_count]" \
    pl "$C_owner" 'gatte = x' -- $B inventory
case_ "[check]: no target query" 2 "cutover: $P:$C: [check user_count] needs both 'source' and 'target' queries" \
    pl "$C_tgt" -- $B inventory
case_ "[check]: no source query" 2 "cutover: $P:$C: [check user_count] needs both 'source' and 'target' queries" \
    pl "$C_src" -- $B diff
case_ "[check]: tolerance nan" 2 "cutover: $P:$C_tol: tolerance 'nan': expected an absolute number such as 0 or a percentage such as 0.5%" \
    pl "$C_tol" 'tolerance = nan' -- $B inventory
case_ "[check]: tolerance 1e999" 2 "cutover: $P:$C_tol: tolerance '1e999': expected an absolute number such as 0 or a percentage such as 0.5%" \
    pl "$C_tol" 'tolerance = 1e999' -- $B diff
case_ "[check]: tolerance negative" 2 "cutover: $P:$C_tol: tolerance '-1': expected an absolute number such as 0 or a percentage such as 0.5%" \
    pl "$C_tol" 'tolerance = -1' -- $B inventory
case_ "[check]: tolerance a duration" 2 "cutover: $P:$C_tol: tolerance '5ms': expected an absolute number such as 0 or a percentage such as 0.5%" \
    pl "$C_tol" 'tolerance = 5ms' -- $B inventory
case_ "[check]: tolerance 1%%" 2 "cutover: $P:$C_tol: tolerance '1%%': expected an absolute number such as 0 or a percentage such as 0.5%" \
    pl "$C_tol" 'tolerance = 1%%' -- $B inventory
case_ "[check]: duplicate key" 2 "cutover: $P:$C_tol: duplicate key 'source' in [check user_count]" \
    pl "$C_tol" 'source = SELECT 1' -- $B inventory
case_ "[check]: no name" 2 "cutover: $P:$C: section [check] needs a name: [check NAME]" \
    pl "$C" '[check]' -- $B inventory
case_ "[check]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [check user_count]" \
    pa '[check user_count]' 'source = SELECT 1' 'target = SELECT 1' -- $B inventory
case_ "[check]: the source refuses the query" 3 "~check user_count           source null, target 2: error: source query ($P:$C): sqlite:src.db: no such column: nosuch" \
    pl "$C_src" 'source = SELECT nosuch FROM users' -- $B diff
case_ "[check]: the target refuses the query" 3 "~error: target query ($P:$C): dbname=cutover_bad_tgt: ERROR:  relation \"nosuch\" does not exist (SQLSTATE 42P01)" \
    pl "$C_tgt" 'target = SELECT count(*) FROM nosuch' -- $B diff --table users
case_ "[check]: a value that is no number" 2 "~check user_count           source \"abc\", target 2: error: each query must return one number (got abc and 2)" \
    pl "$C_src" "source = SELECT 'abc'" -- $B diff
case_ "[check]: no row" 2 "~check user_count           source null, target 2: error: each query must return one number (got no row and 2)" \
    pl "$C_src" 'source = SELECT id FROM users WHERE 0' -- $B diff

# --- [step NAME] -----------------------------------------------------------------------
case_ "[step]: unknown key" 2 "cutover: $P:$ST_owner: unknown key 'ownr' in [step freeze]" \
    pl "$ST_owner" 'ownr = alice' -- $B inventory
case_ "[step]: no title" 2 "cutover: $P:$ST: [step freeze] needs a 'title'" \
    pl "$ST_title" -- $B inventory
case_ "[step]: expect not a duration" 2 "cutover: $P:$ST_expect: expect 'soon': expected a duration such as 5m (units ms, s, m, h, d)" \
    pl "$ST_expect" 'expect = soon' -- $B inventory
case_ "[step]: expect in an unknown unit" 2 "cutover: $P:$ST_expect: expect '5y': expected a duration such as 5m (units ms, s, m, h, d)" \
    pl "$ST_expect" 'expect = 5y' -- $B inventory
case_ "[step]: expect negative" 2 "cutover: $P:$ST_expect: expect '-5m': expected a duration such as 5m (units ms, s, m, h, d)" \
    pl "$ST_expect" 'expect = -5m' -- $B inventory
case_ "[step]: unknown gate" 2 "cutover: $P:$ST_gate: gate 'maybe': expected none, checks, diff or manual" \
    pl "$ST_gate" 'gate = maybe' -- $B inventory
case_ "[step]: gate in the wrong case" 2 "cutover: $P:$ST_gate: gate 'Checks': expected none, checks, diff or manual" \
    pl "$ST_gate" 'gate = Checks' -- $B timeline
case_ "[step]: duplicate key" 2 "cutover: $P:$((ST_owner + 1)): duplicate key 'owner' in [step freeze]" \
    pl "$ST_owner" 'owner = alice' 'owner = bob' -- $B inventory
case_ "[step]: no name" 2 "cutover: $P:$ST: section [step] needs a name: [step NAME]" \
    pl "$ST" '[step]' -- $B inventory
case_ "[step]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [step freeze]" \
    pa '[step freeze]' 'title = again' -- $B inventory

# --- [rollback] ------------------------------------------------------------------------
case_ "[rollback]: unknown key" 2 "cutover: $P:$RB_auth: unknown key 'authorty' in [rollback]" \
    pl "$RB_auth" 'authorty = carol' -- $B inventory
case_ "[rollback]: unknown trigger metric" 2 "~cutover: $P:$RB_miss: unknown metric 'trigger.nosuch' (known: missing_rows, " \
    pl "$RB_miss" 'trigger.nosuch = 1' -- $B inventory
case_ "[rollback]: a count trigger that is no number" 2 "cutover: $P:$RB_miss: 'trigger.missing_rows = lots': expected a number such as 0 or 10" \
    pl "$RB_miss" 'trigger.missing_rows = lots' -- $B inventory
case_ "[rollback]: a percentage trigger given a duration" 2 "cutover: $P:$RB_err: 'trigger.error_rate = 5s': expected a percentage such as 1%" \
    pl "$RB_err" 'trigger.error_rate = 5s' -- $B inventory
case_ "[rollback]: a duration trigger given a count" 2 "cutover: $P:$RB_miss: 'trigger.lag = 5': expected a duration such as 60s" \
    pl "$RB_miss" 'trigger.lag = 5' -- $B inventory
case_ "[rollback]: duplicate trigger" 2 "cutover: $P:$RB_err: duplicate key 'trigger.missing_rows'" \
    pl "$RB_err" 'trigger.missing_rows = 2' -- $B inventory
case_ "[rollback]: after names no step" 2 "cutover: $P:$RB_after: [rollback] after = nosuch: no [step nosuch] in the plan (the step after which live triggers advise rollback)" \
    pl "$RB_after" 'after = nosuch' -- $B inventory
case_ "[rollback]: a name on it" 2 "cutover: $P:$RB: section [rollback] takes no name" \
    pl "$RB" '[rollback now]' -- $B inventory
case_ "[rollback]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [rollback]" \
    pa '[rollback]' -- $B inventory
case_ "[rollback]: duplicate key" 2 "cutover: $P:$((RB_auth + 1)): duplicate key 'authority' in [rollback]" \
    pl "$RB_auth" 'authority = carol' 'authority = dave' -- $B inventory

# --- [hypercare] -----------------------------------------------------------------------
case_ "[hypercare]: duration not a duration" 2 "cutover: $P:$HC_dur: duration 'forever': expected a duration such as 30s (units ms, s, m, h, d)" \
    pl "$HC_dur" 'duration = forever' -- $B inventory
case_ "[hypercare]: duration zero" 2 "cutover: $P:$HC_dur: duration '0s': expected a duration such as 30s (units ms, s, m, h, d)" \
    pl "$HC_dur" 'duration = 0s' -- $B inventory
case_ "[hypercare]: interval without a unit" 2 "cutover: $P:$HC_int: interval '30': expected a duration such as 30s (units ms, s, m, h, d)" \
    pl "$HC_int" 'interval = 30' -- $B watch --headless --for 1s
case_ "[hypercare]: alert levels the wrong way round" 2 "cutover: $P:$HC_drift: 'alert.drift_rows': expected a warning and a critical level, the warning lower, each a number such as 0 or 10" \
    pl "$HC_drift" 'alert.drift_rows = 5, 1' -- $B inventory
case_ "[hypercare]: unknown alert metric" 2 "~cutover: $P:$HC_drift: unknown metric 'alert.nosuch' (known: " \
    pl "$HC_drift" 'alert.nosuch = 1' -- $B inventory
case_ "[hypercare]: a duration alert given a count" 2 "cutover: $P:$HC_lag: 'alert.lag = 60': expected a duration such as 60s" \
    pl "$HC_lag" 'alert.lag = 60' -- $B inventory
case_ "[hypercare]: exact_rows zero" 2 "cutover: $P:$HC_exact: exact_rows '0': expected a number of rows such as 1000000" \
    pl "$HC_exact" 'exact_rows = 0' -- $B inventory
case_ "[hypercare]: exact_rows not a number" 2 "cutover: $P:$HC_exact: exact_rows 'many': expected a number of rows such as 1000000" \
    pl "$HC_exact" 'exact_rows = many' -- $B inventory
case_ "[hypercare]: bell neither yes nor no" 2 "cutover: $P:$HC_bell: bell 'maybe': expected yes or no" \
    pl "$HC_bell" 'bell = maybe' -- $B inventory
case_ "[hypercare]: checks_every negative" 2 "cutover: $P:$HC_every: checks_every '-1': expected a number of rounds such as 10" \
    pl "$HC_every" 'checks_every = -1' -- $B inventory
case_ "[hypercare]: unknown key" 2 "cutover: $P:$HC_every: unknown key 'check_every' in [hypercare]" \
    pl "$HC_every" 'check_every = 10' -- $B inventory
case_ "[hypercare]: duplicate key" 2 "cutover: $P:$((HC_int + 1)): duplicate key 'interval' in [hypercare]" \
    pl "$HC_int" 'interval = 30s' 'interval = 1m' -- $B inventory
case_ "[hypercare]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [hypercare]" \
    pa '[hypercare]' -- $B inventory

# --- [probe NAME] ----------------------------------------------------------------------
case_ "[probe]: named after a metric" 2 "cutover: $P:$PR: [probe lag]: 'lag' is a metric cutover measures itself: name the probe differently" \
    pl "$PR" '[probe lag]' -- $B inventory
case_ "[probe]: unknown side" 2 "cutover: $P:$PR_side: side 'both': expected source or target" \
    pl "$PR_side" 'side = both' -- $B inventory
case_ "[probe]: unknown key" 2 "cutover: $P:$PR_sql: unknown key 'sq' in [probe failed_jobs]" \
    pl "$PR_sql" 'sq = SELECT 0' -- $B inventory
case_ "[probe]: no sql" 2 "cutover: $P:$PR: [probe failed_jobs] needs its 'sql': a read-only query returning one number" \
    pl "$PR_sql" -- $B inventory
case_ "[probe]: alert not a number" 2 "cutover: $P:$PR_alert: 'alert.failed_jobs = high': expected a number such as 0 or 10" \
    pl "$PR_alert" 'alert = high' -- $B inventory
case_ "[probe]: no name" 2 "cutover: $P:$PR: section [probe] needs a name: [probe NAME]" \
    pl "$PR" '[probe]' -- $B inventory
case_ "[probe]: duplicate section" 2 "cutover: $P:$((LAST + 1)): duplicate section [probe failed_jobs]" \
    pa '[probe failed_jobs]' 'sql = SELECT 1' -- $B inventory

# --- [wave NAME] (appended after the plan's last line) ---------------------------------------
case_ "[wave]: unknown key" 2 "cutover: $P:$((LAST + 3)): unknown key 'table' in [wave w1]" \
    pa '[wave w1]' 'tables = users' 'table = orders' -- $B inventory
case_ "[wave]: no tables" 2 "cutover: $P:$((LAST + 1)): [wave w1] needs 'tables': the source tables it moves" \
    pa '[wave w1]' 'owner = alice' -- $B inventory
case_ "[wave]: tables with no name" 2 "cutover: $P:$((LAST + 2)): tables ', ,': expected source tables separated by commas" \
    pa '[wave w1]' 'tables = , ,' -- $B inventory
case_ "[wave]: a trigger of a metric no slice has" 2 "cutover: $P:$((LAST + 3)): trigger.error_rate: a wave's trigger measures its own slice: expected trigger.stray_writes, drift_keys, missing_rows, extra_rows or changed_rows (the plan's others go in [rollback])" \
    pa '[wave w1]' 'tables = users' 'trigger.error_rate = 1%' -- $B inventory
case_ "[wave]: a trigger's bad limit" 2 "cutover: $P:$((LAST + 3)): 'trigger.stray_writes = soon': expected a number such as 0 or 10" \
    pa '[wave w1]' 'tables = users' 'trigger.stray_writes = soon' -- $B inventory
case_ "[wave]: a table named twice" 2 "cutover: $P:$((LAST + 2)): tables: users is named twice" \
    pa '[wave w1]' 'tables = users, users' -- $B inventory
case_ "[wave]: truth neither production nor both" 2 "cutover: $P:$((LAST + 3)): truth 'pilot': expected production or both (where the truth lives once the wave has moved)" \
    pa '[wave w1]' 'tables = users' 'truth = pilot' -- $B inventory
case_ "[wave]: an unknown gate" 2 "cutover: $P:$((LAST + 3)): gate 'always': expected none, checks, diff or manual" \
    pa '[wave w1]' 'tables = users' 'gate = always' -- $B inventory
case_ "[wave]: target_where without where" 2 "cutover: $P:$((LAST + 1)): [wave w1]: target_where without where: the slice is said on the source first" \
    pa '[wave w1]' 'tables = users' 'target_where = id > 1' -- $B inventory
case_ "[wave]: no name" 2 "cutover: $P:$((LAST + 1)): section [wave] needs a name: [wave NAME]" \
    pa '[wave]' 'tables = users' -- $B inventory
case_ "[wave]: duplicate section" 2 "cutover: $P:$((LAST + 3)): duplicate section [wave w1]" \
    pa '[wave w1]' 'tables = users' '[wave w1]' 'tables = orders' -- $B inventory
case_ "[wave]: a table in two waves, one of them without a slice" 2 "cutover: $P:$((LAST + 5)): [wave w2]: table users is in [wave w1] (line $((LAST + 1))) too, and this one has no where: their slices overlap" \
    pa '[wave w1]' 'tables = users' 'where = id % 2 = 0' '[wave w2]' 'tables = orders, users' -- $B inventory
case_ "[wave]: a where holding a second statement" 2 "~cutover: $P:$((LAST + 3)): [wave w1] where: " \
    pa '[wave w1]' 'tables = users' 'where = id > 0; DELETE FROM users' -- $B inventory
case_ "[wave]: a table the source lacks" 2 "cutover: $P:$((LAST + 2)): [wave w1]: no table 'user' in the source (sqlite:src.db)" \
    pa '[wave w1]' 'tables = orders, user' -- $B inventory
case_ "[step]: a wave the plan lacks" 2 "cutover: $P:$((ST_gate + 1)): [step freeze]: wave = w9: no [wave w9] in the plan" \
    pl "$ST_gate" "$(sed -n "${ST_gate}p" "$pf")" 'wave = w9' -- $B inventory

# --- the mapping sheet: structure ------------------------------------------------------
hdr=source,target,transform,owner,rule,status,reviewer,reviewed_at,note
case_ "sheet: missing file" 2 "cutover: $S: cannot read the mapping sheet: No such file or directory" \
    rm mapping.csv -- $B diff
case_ "sheet: empty" 2 "cutover: $S:1: the sheet is empty: it needs a header row ($hdr)" \
    sh -c ': >mapping.csv' -- $B diff
case_ "sheet: header without source" 2 "cutover: $S:1: the header row must name the columns source and target (it has: src…)" \
    sl 1 "src${hdr#source}" -- $B diff
case_ "sheet: header without target" 2 "cutover: $S:1: the header row must name the columns source and target (it has: source…)" \
    sl 1 "source,tgt${hdr#source,target}" -- $B map lint
case_ "sheet: a row with a field too many" 2 "cutover: $S:$R_uid: 10 fields, but the header has 9" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,,draft,,,,extra' -- $B diff
case_ "sheet: a row with a field too few" 2 "cutover: $S:$R_uid: 8 fields, but the header has 9" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,,draft,,' -- $B map lint
case_ "sheet: a bare quote inside a field" 2 "cutover: $S:$R_uid: column rule: a quote inside a field that is not quoted, or text after a quoted field's closing quote: quote the whole field and double each quote inside it (\"x\"\"y\")" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,x"y,draft,,,' -- $B diff
case_ "sheet: text after a closing quote" 2 "~cutover: $S:$R_uid: column transform: a quote inside a field that is not quoted, or text after a quoted field's closing quote" \
    sl "$R_uid" 'orders.user_id,orders.user_id,"lower(x)"y,,,draft,,,' -- $B map lint
case_ "sheet: a quoted field never closed" 2 "cutover: $S:$R_uid: a quoted field is not closed before the end of the file" \
    sl "$R_uid" 'orders.user_id,orders.user_id,"lower(x,,,draft,,,' -- $B diff

# --- the mapping sheet: rules (diff refuses the sheet: exit 2) --------------------------
rule_case() {  # rule_case RULE MESSAGE: the rule on orders.user_id, run diff
    case_ "sheet rule '$1'" 2 "cutover: $S:$R_uid: $2" \
        sl "$R_uid" "orders.user_id,orders.user_id,,,\"$1\",draft,,," -- $B diff
}
rule_case 'tolerance:x' "tolerance 'x': expected a finite number >= 0"
rule_case 'tolerance:-1' "tolerance '-1': expected a finite number >= 0"
rule_case 'tolerance:' "tolerance '': expected a finite number >= 0"
rule_case 'round:31' "round '31': expected digits 0 to 30"
rule_case 'round:x' "round 'x': expected digits 0 to 30"
rule_case 'round:-1' "round '-1': expected digits 0 to 30"
rule_case 'null_rate:x' "null_rate 'x': expected percentage points from 0 to 100, such as null_rate:0.5%"
rule_case 'null_rate:101%' "null_rate '101%': expected percentage points from 0 to 100, such as null_rate:0.5%"
rule_case 'ts:h' "ts 'h': expected ts:s or ts:ms"
rule_case 'ts:' "ts '': expected ts:s or ts:ms"
rule_case 'regex:(' "regex '(': Unmatched ( or \\("
rule_case 'regex:a{2,1}' "regex 'a{2,1}': Invalid content of \\{\\}"
rule_case 'foo' "unknown rule 'foo' (equal, ignore, ci, trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, null_rate:P%, regex:RE)"
rule_case 'Equal' "unknown rule 'Equal' (equal, ignore, ci, trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, null_rate:P%, regex:RE)"
rule_case 'ci:1' "rule 'ci' takes no value"
rule_case 'not_null:yes' "rule 'not_null' takes no value"
rule_case 'unique:1' "rule 'unique' takes no value"
rule_case 'ignore:x' "rule 'ignore' takes no value"
rule_case 'tolerance' "rule 'tolerance' needs a value ('tolerance:0.01', 'round:2', 'ts:s', 'regex:…')"
rule_case 'round' "rule 'round' needs a value ('tolerance:0.01', 'round:2', 'ts:s', 'regex:…')"
rule_case 'ts' "rule 'ts' needs a value ('tolerance:0.01', 'round:2', 'ts:s', 'regex:…')"
rule_case 'equal;;ci' "unknown rule '' (equal, ignore, ci, trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, null_rate:P%, regex:RE)"
rule_case 'trim;round:x' "round 'x': expected digits 0 to 30"

# --- the mapping sheet: references --------------------------------------------------------
case_ "sheet: diff, an unknown source column" 2 "~error: $S:$R_uid: orders.uid: no such column in the source" \
    sl "$R_uid" 'orders.uid,orders.user_id,,,,draft,,,' -- $B diff
case_ "sheet: diff, an unknown target column" 2 "~\"error\":\"$S:$R_uid: orders.nope: no such column in the target\"" \
    sl "$R_uid" 'orders.user_id,orders.nope,,,,draft,,,' -- $B diff --ndjson
case_ "sheet: diff, the key column's row rejected" 2 "~error: table orders: the row of its key column id is rejected ($S:$R_id): rows are matched by their key" \
    sl "$R_id" 'orders.id,orders.id,,,,rejected,,,' -- $B diff
case_ "sheet: diff, the key column's row ignored" 2 "~error: table orders: the row of its key column id has the rule ignore ($S:$R_id)" \
    sl "$R_id" 'orders.id,orders.id,,,ignore,draft,,,' -- $B diff
case_ "sheet: diff, the key column has no row" 2 "~error: table orders: the key column id is not mapped to a column of orders in the sheet" \
    sl "$R_id" -- $B diff
case_ "sheet: diff, a transform the source refuses" 3 "~error: sqlite:src.db: no such column: nosuchcol (in the source's query for orders: its transform, $S line $R_uid)" \
    sl "$R_uid" 'orders.user_id,orders.user_id,lower(nosuchcol),,,draft,,,' -- $B diff
case_ "sheet: diff, a transform that does not parse" 3 "~error: sqlite:src.db: near \")\": syntax error (in the source's query for orders: its transform, $S line $R_uid)" \
    sl "$R_uid" 'orders.user_id,orders.user_id,user_id +,,,draft,,,' -- $B diff
case_ "sheet: diff, a transform a PostgreSQL source refuses" 3 "~(in the source's query for orders: its transform, $S line $R_uid)" \
    surl 'dbname=cutover_bad_tgt' :: sl "$R_uid" 'orders.user_id,orders.user_id,lower(nosuchcol),,,draft,,,' -- $B diff
case_ "sheet: lint, an unknown source column" 2 "error   unknown_column (line $R_uid): orders.uid: no such column in the source" \
    sl "$R_uid" 'orders.uid,orders.user_id,,,,draft,,,' -- $B map lint
case_ "sheet: lint, an unknown source table" 2 "error   unknown_column (line $R_uid): ordrs.user_id: no such table in the source" \
    sl "$R_uid" 'ordrs.user_id,orders.user_id,,,,draft,,,' -- $B map lint
case_ "sheet: lint, an unknown target column" 2 "error   unknown_column (line $R_uid): orders.nope: no such column in the target" \
    sl "$R_uid" 'orders.user_id,orders.nope,,,,draft,,,' -- $B map lint
case_ "sheet: lint, a source without table." 2 "error   unknown_column (line $R_uid): orders_user_id: no such table in the source" \
    sl "$R_uid" 'orders_user_id,orders.user_id,,,,draft,,,' -- $B map lint
case_ "sheet: lint, an unknown status" 2 "error   bad_status (line $R_uid): status 'done' is not draft, approved or rejected" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,,done,,,' -- $B map lint
case_ "sheet: lint, one target column mapped twice" 1 "error   mapped_twice (line $R_amount): orders.amount is also filled by line $R_uid (orders.user_id)" \
    sl "$R_uid" 'orders.user_id,orders.amount,,,,draft,,,' -- $B map lint
case_ "sheet: lint, the same row twice" 1 "error   mapped_twice (line $((NS + 1))): orders.id is also filled by line $R_id (orders.id)" \
    sa 'orders.id,orders.id,,,,draft,,,' -- $B map lint
case_ "sheet: lint, a transform the source refuses" 1 "error   transform_error (line $R_uid): the transform does not compile on the source: sqlite:src.db: no such column: nosuchcol" \
    sl "$R_uid" 'orders.user_id,orders.user_id,lower(nosuchcol),,,draft,,,' -- $B map lint
case_ "sheet: import, a header without source" 2 "cutover: imp.csv:1: the header row must name the columns source and target (it has: src…)" \
    sh -c 'printf "src,tgt\na,b\n" >imp.csv' -- $B map import imp.csv
case_ "sheet: import, a row with a field too many" 2 "cutover: imp.csv:2: 3 fields, but the header has 2" \
    sh -c 'printf "source,target\norders.id,orders.id,x\n" >imp.csv' -- $B map import imp.csv
case_ "sheet: import, a missing file" 2 "cutover: nofile.csv: cannot read the mapping sheet: No such file or directory" \
    -- $B map import nofile.csv

# --- the command line -------------------------------------------------------------------
case_ "cli: unknown command" 2 "cutover: unknown command 'nosuch' (see 'cutover --help')" -- $B nosuch
case_ "cli: a mistyped command, two letters swapped" 2 "cutover: unknown command 'inventroy': did you mean 'inventory'? (see 'cutover --help')" -- $B inventroy
case_ "cli: a mistyped command, a letter short" 2 "cutover: unknown command 'dif': did you mean 'diff'? (see 'cutover --help')" -- $B dif
case_ "cli: unknown global option" 2 "cutover: unknown option '--bogus'" -- $B --bogus
case_ "cli: tui, unknown option" 2 "cutover tui: unknown option '--bogus' (see 'cutover tui --help')" -- $B tui --bogus
for c in init inventory map diff runs timeline watch report accept decommission demo; do
    case_ "cli: $c, unknown option" 2 "cutover $c: unknown option or missing value '--bogus'" -- $B $c --bogus
done
case_ "cli: map lint, unknown option after a good one" 2 "cutover map: unknown option or missing value '--bogus'" -- $B map lint --json --bogus
for c in inventory diff timeline watch report; do
    case_ "cli: $c, extra argument" 2 "cutover $c: unexpected argument 'extra'" -- $B $c extra
done
case_ "cli: init, extra argument" 2 "cutover init: unexpected argument 'extra'" \
    -- $B init --source sqlite:src.db --target dbname=cutover_bad_tgt extra
case_ "cli: demo, two directories" 2 "cutover demo: unexpected argument 'b'" -- $B demo a b
case_ "cli: diff --table without a value" 2 "cutover diff: unknown option or missing value '--table'" -- $B diff --table
case_ "cli: diff --sample without a value" 2 "cutover diff: unknown option or missing value '--sample'" -- $B diff --sample
case_ "cli: diff --sample not a number" 2 "cutover diff: --sample 'x': expected a number of rows" -- $B diff --sample x
case_ "cli: diff --sample negative" 2 "cutover diff: --sample '-1': expected a number of rows" -- $B diff --sample -1
case_ "cli: diff --table names no table" 2 "cutover: --table nosuch: no such table in the source" -- $B diff --table orders --table nosuch
case_ "cli: watch --for without a value" 2 "cutover watch: unknown option or missing value '--for'" -- $B watch --for
case_ "cli: watch --for not a duration" 2 "cutover watch: 'xyz' is not a duration (try 30s, 15m, 72h)" -- $B watch --headless --for xyz
case_ "cli: watch --interval zero" 2 "cutover watch: '0s' is not a duration (try 30s, 15m, 72h)" -- $B watch --headless --interval 0s
case_ "cli: watch --interval negative" 2 "cutover watch: '-5s' is not a duration (try 30s, 15m, 72h)" -- $B watch --interval -5s
case_ "cli: report --format unknown" 2 "cutover report: --format pdf: the formats are md, html and json" -- $B report --format pdf
case_ "cli: report --format without a value" 2 "cutover report: unknown option or missing value '--format'" -- $B report --format
case_ "cli: report -o without a value" 2 "cutover report: unknown option or missing value '-o'" -- $B report -o
case_ "cli: report -o in a missing folder" 2 "cutover: /nonexistent/dir/r.md: cannot write: No such file or directory" -- $B report -o /nonexistent/dir/r.md
case_ "cli: report -o a folder" 2 "cutover: dir.md: cannot write: Is a directory" mkdir dir.md -- $B report -o dir.md
case_ "cli: init without --target" 2 "cutover init: both --source URL and --target URL are needed" -- $B init --source sqlite:src.db
case_ "cli: init without --source" 2 "cutover init: both --source URL and --target URL are needed" -- $B init --target dbname=cutover_bad_tgt
case_ "cli: init --source without a value" 2 "cutover init: unknown option or missing value '--source'" -- $B init --source
case_ "cli: init over an existing plan" 2 "cutover init: cutover.ini exists; use --force to overwrite it" \
    -- $B init --source sqlite:src.db --target dbname=cutover_bad_tgt
case_ "cli: init from an unknown scheme" 2 "~'mysql://h/db': unknown database URL" \
    mkdir fresh -- $B --plan fresh/cutover.ini init --source mysql://h/db --target dbname=cutover_bad_tgt
case_ "cli: init from an unreachable server" 3 "~127.0.0.1:1" \
    rm cutover.ini mapping.csv -- $B init --source sqlite:src.db --target postgresql://127.0.0.1:1/db
case_ "cli: map without a subcommand" 2 "cutover map: which one: suggest, lint, import FILE, export FILE, approve or reject?" -- $B map
case_ "cli: map, unknown subcommand" 2 "cutover map: 'nosuch': expected suggest, lint, import FILE, export FILE, approve or reject" -- $B map nosuch
case_ "cli: accept, unknown area" 2 "cutover: unknown acceptance area 'nosuch' (known: completeness, stability, performance, support, compliance)" \
    -- $B accept nosuch accepted
case_ "cli: accept, unknown status" 2 "cutover: completeness: status 'maybe': expected accepted, rejected or pending" \
    -- $B accept completeness maybe
case_ "cli: accept, an area without a status" 2 "cutover accept: expected an area and a status, or nothing to list them" -- $B accept completeness
case_ "cli: accept --note without a value" 2 "cutover accept: unknown option or missing value '--note'" -- $B accept --note
case_ "cli: decommission, unknown item" 2 "cutover: unknown checklist item 'nosuch' (known: archive, code_paths, lock_writes, document, shutdown)" \
    -- $B decommission nosuch done
case_ "cli: decommission, unknown status" 2 "cutover: archive: status 'maybe': expected done or open" -- $B decommission archive maybe
case_ "cli: decommission, an item without a status" 2 "cutover decommission: expected an item and a status, or nothing to list them" \
    -- $B decommission archive
case_ "cli: demo --target without a value" 2 "cutover demo: unknown option or missing value '--target'" -- $B demo --target
case_ "cli: tui --theme unknown" 2 "~cutover: no theme 'nosuch'" -- $B tui --theme nosuch

# --- once pending (tests/bad/pending.txt), fixed since ------------------------------------
rule_case 'tolerance:nan' "tolerance 'nan': expected a finite number >= 0"
rule_case 'tolerance:1e999' "tolerance '1e999': expected a finite number >= 0"
case_ "sheet: a rule 'regex :^A' (a space before the colon) is the regex rule, not a crash" 1 \
    "error   rule_regex (line $R_uid): 2 rows carry values into orders.user_id that its rule regex:^A refuses" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,regex :^A,draft,,,' -- $B map lint
case_ "sheet: lint, a bad rule is a malformed sheet: exit 2, as diff" 2 \
    "error   bad_rule (line $R_uid): rule 'tolerance:x': tolerance 'x': expected a finite number >= 0" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,tolerance:x,draft,,,' -- $B map lint
case_ "sheet: lint, reviewed_at not a time" 2 \
    "error   bad_reviewed_at (line $R_uid): reviewed_at 'yesterday' is not an ISO 8601 time" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,,approved,alice,yesterday,' -- $B map lint
case_ "sheet: diff, an unknown status" 2 "cutover: $S:$R_uid: status 'done' is not draft, approved or rejected" \
    sl "$R_uid" 'orders.user_id,orders.user_id,,,,done,,,' -- $B diff
case_ "sheet: diff, a transform of two statements" 2 \
    "cutover: $S:$R_uid: transform: a ';' ends the statement it goes into (one expression is expected)" \
    sl "$R_uid" 'orders.user_id,orders.user_id,user_id); DELETE FROM orders; SELECT (1,,,draft,,,' -- $B diff
case_ "sheet: lint, a transform of two statements" 2 \
    "error   bad_transform (line $R_uid): transform: a ';' ends the statement it goes into (one expression is expected)" \
    sl "$R_uid" 'orders.user_id,orders.user_id,user_id; SELECT 1,,,draft,,,' -- $B map lint
case_ "sheet: a NUL byte" 2 "cutover: $S:$R_uid: a NUL byte at column 10: remove it" \
    sh -c "sed -i '${R_uid}s/^orders.us/orders.us\\x00/' $S" -- $B map suggest
case_ "sheet: a byte that is not UTF-8" 2 "cutover: $S:$R_uid: not UTF-8: byte 0xe9 at column 8 (save the sheet as UTF-8)" \
    sh -c "sed -i '${R_uid}s/^orders.u/orders.\\xe9/' $S" -- $B diff
case_ "sheet: a column twice in the header" 2 "cutover: $S:1: column 'source' appears twice in the header" \
    sh -c "sed -i '1s/\$/,source/; 2,\$s/\$/,x/' $S" -- $B diff
case_ "sheet: a source column without a row: a finding, exit 1" 1 \
    '~{"type":"discrepancy","table":"orders","target_table":"orders","kind":"unmapped","key":{"column":"user_id"}}' \
    sl "$R_uid" -- $B diff --ndjson
case_ "plan: a byte that is not UTF-8" 2 "cutover: $P:$M_name: not UTF-8: byte 0xe9 at column 11 (save the plan as UTF-8)" \
    pl "$M_name" "$(printf 'name = Caf\xe9 x')" -- $B inventory --json
case_ "plan: the same from report --format json" 2 "cutover: $P:$M_name: not UTF-8: byte 0xe9 at column 11 (save the plan as UTF-8)" \
    pl "$M_name" "$(printf 'name = Caf\xe9 x')" -- $B report --format json
case_ "plan: a [check] of two statements" 2 \
    "cutover: $P:$C: [check user_count] source: more than one statement (cutover runs one: a second one is refused)" \
    pl "$C_src" 'source = SELECT 1; DELETE FROM users' -- $B diff
case_ "plan: a [check] that is no query" 2 \
    "cutover: $P:$C: [check user_count] target: a query is expected (SELECT, WITH, VALUES or TABLE): cutover only reads" \
    pl "$C_tgt" 'target = DELETE FROM users RETURNING 1' -- $B diff
case_ "plan: a [probe] of two statements" 2 \
    "cutover: $P:$PR: [probe failed_jobs] sql: more than one statement (cutover runs one: a second one is refused)" \
    pl "$PR_sql" 'sql = SELECT 0;SELECT 1' -- $B inventory
case_ "plan: a [check] of two columns" 2 \
    "~error: source query ($P:$C): must return one number, got 1 row of 2 columns" \
    pl "$C_src" 'source = SELECT 2, 99' -- $B diff
case_ "plan: a [check] of two rows" 2 \
    "~error: source query ($P:$C): must return one number, got 2 rows of 1 column" \
    pl "$C_src" 'source = SELECT id FROM users' -- $B diff
case_ "plan: an impossible date" 2 "cutover: $P:$((T_dec + 1)): expires '2027-02-30': expected a date YYYY-MM-DD" \
    pl "$T_dec" 'decision = temporary' 'expires = 2027-02-30' -- $B inventory
case_ "plan: [source] without url names the section's line" 2 \
    "cutover: $P:$SRC: no [source] url: add [source] with url = sqlite:FILE or postgresql://…" \
    pl "$SRC_url" -- $B inventory
case_ "url: a malformed URI is a bad plan (exit 2), its password masked" 2 \
    "cutover: $P:$TGT_url: [target] url: end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://app:***@[::1/db\"" \
    turl 'postgresql://app:s3cret@[::1/db' -- $B inventory
case_ "url: a misspelt password key is a bad plan, its value masked" 2 \
    "cutover: $P:$TGT_url: [target] url: invalid connection option \"passwor\"" \
    turl 'passwor=s3cret dbname=cutover_bad_tgt' -- $B inventory
case_ "cli: diff --json --ndjson" 2 "cutover diff: --json and --ndjson: choose one" -- $B diff --json --ndjson
case_ "cli: runs with an argument" 2 "cutover runs: unexpected argument 'extraarg'" -- $B runs extraarg
case_ "cli: --theme before a headless command" 2 "cutover: --theme is for the dashboard (tui, demo), not for 'inventory'" \
    -- $B --theme nosuch inventory
case_ "cli: map lint with an argument" 2 "cutover map: lint: unexpected argument 'extra'" -- $B map lint extra
case_ "cli: map import without FILE" 2 "cutover map: import: FILE is needed" -- $B map import
case_ "cli: --plan without FILE" 2 "cutover: --plan needs a FILE" -- $B --plan
case_ "cli: --version with an argument" 2 "cutover: --version: unexpected argument 'extra'" -- $B --version extra
case_ "cli: map export into a missing folder names the file" 2 \
    "cutover: /nonexistent/x.csv: cannot write: No such file or directory" -- $B map export /nonexistent/x.csv

echo "# $n_cases cases"
finish
