#!/bin/bash
# A phased migration's waves (DESIGN.md, "Waves"): cutover waves lists them
# with the final implicit one; cutover diff --wave validates exactly one
# wave's slice, on a SQLite and a PostgreSQL target, recorded as a run of the
# wave and compared with the wave's runs only; cutover wave moves a wave
# through its states, refusing what its state or its gate does not allow.
# Run by tests/harness.sh (PostgreSQL).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
export USER=tester  # who moves the waves, as the workspace records it
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-waves.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# The Pilot: plans (reference data), 20 accounts in two cohorts by id parity.
# The copy: plan 'team' renamed (a reference discrepancy); account 4 (cohort
# even) missing; account 7 (cohort odd) changed; account 10 extra on the target.
sqlite3 src.db "
    CREATE TABLE plans (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO plans VALUES ('free', 'Free'), ('pro', 'Pro'), ('team', 'Team');
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
    INSERT INTO accounts SELECT i, 'account ' || i, CASE i % 3 WHEN 0 THEN 'free' ELSE 'pro' END FROM n;
    DELETE FROM accounts WHERE id = 10;
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    INSERT INTO notes VALUES (1, 'x')" || exit 99
schema="CREATE TABLE plans (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT NOT NULL);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
sqlite3 tgt.db "$schema
    ATTACH 'src.db' AS pilot;
    INSERT INTO plans SELECT * FROM pilot.plans; INSERT INTO notes SELECT * FROM pilot.notes;
    INSERT INTO accounts SELECT * FROM pilot.accounts WHERE id <> 4;
    INSERT INTO accounts VALUES (10, 'account 10', 'pro');
    UPDATE plans SET name = 'Teams' WHERE code = 'team';
    UPDATE accounts SET name = 'ACCOUNT 7' WHERE id = 7" || exit 99
createdb waves || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d waves -c "$schema" >/dev/null || exit 99
for t in plans accounts notes; do
    sqlite3 -csv tgt.db "SELECT * FROM $t" |
        psql -X -q -v ON_ERROR_STOP=1 -d waves -c "\\copy $t FROM STDIN (FORMAT csv)" || exit 99
done

plan() {  # plan DIR TARGET-URL
    mkdir "$1" && cd "$1" || exit 99
    "$bin" init --source sqlite:../src.db --target "$2" >/dev/null || exit 99
    sed -i 's/^decision *= *undecided$/decision = migrate/' cutover.ini
    sed -i '2,$ s/^\([^,]*,[^,]*,[^,]*,\)/\1alice/' mapping.csv
    cat >>cutover.ini <<'EOF'

[wave reference]
tables = plans
owner  = alice
gate   = diff

[wave even]
tables = accounts
where  = id % 2 = 0
owner  = bob
gate   = manual
trigger.missing_rows = 1

[wave odd]
tables = accounts
where  = id % 2 = 1
truth  = both
EOF
    cd ..
}

# keyed NDJSON without the summary's line: table kind key, sorted
for side in sqlite pg; do
    if [ $side = sqlite ]; then plan $side sqlite:../tgt.db; else plan $side dbname=waves; fi
    cd $side || exit 99
    "$bin" diff --wave even --ndjson >even.ndjson
    rc=$?
    check "$side: diff --wave even: exactly its slice's discrepancies (4 missing, 10 extra), exit 1" \
        "1|accounts extra id=10|accounts missing id=4|" "$rc|$(keyed even.ndjson | tr '\n' '|')"
    check "$side: … only its tables, recorded as a run of the wave" "accounts|wave even" \
        "$(jq -r 'select(.type == "summary") | [.tables[].table] | join(",")' even.ndjson)|$(sqlite3 .cutover/state.db "SELECT kind FROM runs WHERE id = 1")"
    "$bin" diff --wave odd --ndjson >odd.ndjson
    check "$side: diff --wave odd: 7 changed, nothing of the even slice" "accounts changed id=7 name" \
        "$(keyed odd.ndjson)"
    "$bin" diff --wave reference --ndjson >ref.ndjson
    check "$side: diff --wave reference" "plans changed code=team name" "$(keyed ref.ndjson)"
    "$bin" diff --wave even --ndjson >even2.ndjson
    check "$side: a wave's second run is compared with its first, not with another wave's" \
        "1 0 0 2" "$(jq -r 'select(.type == "summary") | "\(.previous.run) \(.previous.new) \(.previous.fixed) \(.previous.still_open)"' even2.ndjson)"
    cd ..
done

cd sqlite || exit 99
check "--wave naming no wave: exit 2" \
    "cutover: --wave nope: cutover.ini has no [wave nope] ('cutover waves' lists them)|2" \
    "$("$bin" diff --wave nope 2>&1 >/dev/null)|$?"
check "--table outside the wave: exit 2" "cutover: --table plans: not a table of [wave even]|2" \
    "$("$bin" diff --wave even --table plans 2>&1 >/dev/null)|$?"

# --- the waves and their states ------------------------------------------------------------
"$bin" waves --json >waves.json
check "waves: in file order, then the tables in no wave" "reference|even|odd|(rest)" \
    "$(jq -r '[.[].wave] | join("|")' waves.json)"
check "waves: a wave's slice, truth, state, gate and latest validation" \
    'accounts|id % 2 = 0|production|pilot|planned|manual|bob|4 fail 2' \
    "$(jq -r '.[1] | "\(.tables | join(","))|\(.where)|\(.truth)|\(.truth_now)|\(.state)|\(.gate)|\(.owner)|\(.validation.run) \(.validation.result) \(.validation.open)"' waves.json)"
check "waves: the implicit wave holds the tables no wave names" '["notes"]' \
    "$(jq -c '.[3].tables' waves.json)"

check "moved before it is moving: refused, exit 2" \
    "cutover: wave odd is planned: start it first|2" \
    "$("$bin" wave odd moved 2>&1)|$?"
check "start: planned -> moving" \
    "wave odd: planned -> moving; the truth of its slice: pilot|0" \
    "$("$bin" wave odd start --note 'dual writes on' 2>&1)|$?"
check "start again: refused, saying since when" "wave odd is moving (since" \
    "$("$bin" wave odd start 2>&1 | grep -o 'wave odd is moving (since')"
check "moved: a wave without a gate moves; truth both" \
    "wave odd: moving -> moved; the truth of its slice: both|0" "$("$bin" wave odd moved 2>&1)|$?"
"$bin" wave reference start >/dev/null
said=$("$bin" wave reference moved 2>&1)
rc=$?
check "moved refused while the wave's latest validation is older than its start: exit 1" \
    "cutover: wave reference stays moving: its gate (diff) needs a validation since it began to move|run 3 is older|1" \
    "$(grep -o '^.*since it began to move\|run 3 is older' <<<"$said" | tr '\n' '|')$rc"
"$bin" diff --wave reference >/dev/null
check "moved refused while the diff gate says no-go (its latest run failed): exit 1" \
    "cutover: wave reference stays moving: its gate (diff) says no-go: run 5 of the wave failed, 1 open discrepancy|1" \
    "$("$bin" wave reference moved 2>&1)|$?"
"$bin" discrepancies classify accepted_variance --run 5 --all >/dev/null
"$bin" diff --wave reference >/dev/null
check "… and allowed once its validation passes (the variance accepted)" \
    "wave reference: moving -> moved; the truth of its slice: production|0" \
    "$("$bin" wave reference moved 2>&1)|$?"
"$bin" wave even start >/dev/null
check "a wave's own trigger, breached by its latest validation, advises rolling it back once it moves" \
    '[]|["missing_rows 1 (limit 1) in its latest validation"]|[]' \
    "$(jq -c '.[1].advice' waves.json)|$("$bin" waves --json | jq -c '.[1].advice, .[2].advice' | paste -sd'|')"
check "a manual gate needs its owner" \
    "cutover: wave even stays moving: its manual gate needs its owner (bob) (you are tester)|1" \
    "$("$bin" wave even moved 2>&1)|$?"
check "… who may mark it moved" "wave even: moving -> moved; the truth of its slice: production|0" \
    "$(USER=bob "$bin" wave even moved 2>&1)|$?"
check "rollback: moved -> rolled_back, the others stay moved" \
    "wave even: moved -> rolled_back; the truth of its slice: pilot|0" \
    "$("$bin" wave even rollback --note 'cohort broke' 2>&1)|$?"
check "rollback again: refused, saying why" "cutover: wave even is rolled_back (since" \
    "$("$bin" wave even rollback 2>&1 | grep -o '^cutover: wave even is rolled_back (since')"
check "… it is rolled back already" "it is rolled back already" \
    "$("$bin" wave even rollback 2>&1 | grep -o 'it is rolled back already$')"
hold_workspace .cutover/state.db
said=$("$bin" wave reference rollback 2>&1)
rc=$?
release_workspace .cutover/state.db
check "a move while another process holds the workspace: refused, nothing recorded" \
    "cutover: .cutover/state.db: cannot record: another process has kept the workspace locked for more than 5 s|2|moved" \
    "$said|$rc|$(sqlite3 .cutover/state.db "SELECT state FROM wave_log WHERE wave = 'reference' ORDER BY id DESC LIMIT 1")"
check "an unknown move: exit 2" "2" "$("$bin" wave even sideways >/dev/null 2>&1; echo $?)"
"$bin" waves --json >waves2.json
check "waves: each state, and the truth where it lives now" \
    "reference moved production|even rolled_back pilot|odd moved both" \
    "$(jq -r '[.[:3][] | "\(.wave) \(.state) \(.truth_now)"] | join("|")' waves2.json)"
check "… with who moved it, when and why" "cohort broke tester" \
    "$(jq -r '.[1].since | "\(.note) \(.user)"' waves2.json)"
check "every move audited" "7" \
    "$(sqlite3 .cutover/state.db "SELECT count(*) FROM audit WHERE action = 'wave'")"
"$bin" waves >waves.txt
check "waves: the text form" "odd              moved        both        none       -          run 2 fail, 1 open     accounts (id % 2 = 1)" \
    "$(grep '^odd ' waves.txt)"
check "inventory: each table's waves, the truth where it lives now" \
    "accounts                 even (id % 2 = 0): pilot · odd (id % 2 = 1): both" \
    "$("$bin" inventory | grep '^accounts  .* even ')"
check "inventory --json: the same, by table" '[{"wave":"reference","where":null,"state":"moved","truth_now":"production"}]' \
    "$("$bin" inventory --json | jq -c '.tables[] | select(.source_table == "plans") | .waves')"

# --- the report: a waves part, and a verdict that weighs every wave
"$bin" report --format json >report.json
check "report: the verdict names each wave not moved or not validated" \
    "wave even is rolled_back|wave even: its latest validation, run 4, failed (2 open)|wave odd: its latest validation, run 2, failed (1 open)" \
    "$(jq -r '[.verdict.reasons[] | select(startswith("wave "))] | join("|")' report.json)"
"$bin" report --format md >report.md
check "report: the waves part, a row a wave" \
    "| odd | accounts (id % 2 = 1) | moved |" "$(grep -o '^| odd | [^|]* | [^|]* |' report.md)"
check "… and the tables no wave names" "| (rest) | notes | planned | - | pilot | - | - | - |" \
    "$(grep '^| (rest) ' report.md)"
check "… and every wave's moves in time order, with who and why" \
    "odd moving tester dual writes on|odd moved tester -|reference moving tester -|reference moved tester -|even moving tester -|even moved bob -|even rolled_back tester cohort broke" \
    "$(sed -n '/^### Wave timeline/,/^#/p' report.md | grep '^| 20' | awk -F' [|] ' '{print $2, $3, $4, $5}' | sed 's/ |$//' | paste -sd'|')"

"$bin" diff --wave odd --structure-only >/dev/null
"$bin" diff --wave odd --table accounts >/dev/null
check "a wave's structure-only run is no validation of it" "structure" \
    "$(sqlite3 .cutover/state.db "SELECT kind FROM runs ORDER BY id DESC LIMIT 1 OFFSET 1")"
check "… a run of every table of the wave is (--table naming them all)" "wave odd" \
    "$(sqlite3 .cutover/state.db "SELECT kind FROM runs ORDER BY id DESC LIMIT 1")"

# --- slices that overlap on the data: a wave's run names the rows in both
printf '[wave thirds]\ntables = accounts\nwhere  = id %% 3 = 0\n' >>cutover.ini
"$bin" diff --wave even --ndjson >overlap.ndjson
check "a wave's run names the rows another wave's slice holds too" \
    "slice_overlap accounts 3 id=6 id=12 id=18" \
    "$(jq -r 'select(.check == "slice_overlap") | "\(.check) \(.table) \(.count) \([.sample[] | "id=\(.id)"] | join(" "))"' overlap.ndjson)"
check "… saying which waves, with the plan's lines" \
    "3 rows of accounts are in the slices of [wave even] (cutover.ini:$(grep -n '^where  = id % 2 = 0' cutover.ini | cut -d: -f1)) and [wave thirds] (line $(grep -n '^where  = id % 3 = 0' cutover.ini | cut -d: -f1)): the slices overlap, so those rows would move twice" \
    "$(jq -r 'select(.check == "slice_overlap") | .message' overlap.ndjson)"
cd ..

# --- the demo's phased plan: the tenants first, then two cohorts of their data
"$bin" demo demo </dev/null >/dev/null || exit 99
cd demo || exit 99
check "demo: phased.ini moves the same data in waves, the rest in the implicit one" \
    "reference accounts -|cohort-1 users,subscriptions,invoices account_id <= 100|cohort-2 users,subscriptions,invoices account_id > 100|(rest) invoice_lines,api_keys,events -" \
    "$("$bin" --plan phased.ini waves --json | jq -r '.[] | "\(.wave) \(.tables | join(",")) \(.where // "-")"' | paste -sd'|')"
"$bin" --plan phased.ini diff --wave reference --ndjson >ref.ndjson
check "demo: the reference wave's validation finds the two tenants left out, exit 1" \
    "1|accounts missing id=101|accounts missing id=17|" "$?|$(keyed ref.ndjson | tr '\n' '|')"
"$bin" --plan phased.ini diff --wave cohort-1 --ndjson >c1.ndjson
check "demo: cohort-1's validation, its slice only" "invoices 0 0 0|subscriptions 0 0 0|users 2 1 14" \
    "$(jq -r 'select(.type == "summary") | .tables[] | "\(.table) \(.missing) \(.extra) \(.changed)"' c1.ndjson | paste -sd'|')"
"$bin" --plan phased.ini wave reference start >/dev/null
"$bin" --plan phased.ini discrepancies classify accepted_variance --run 1 --all >/dev/null
"$bin" --plan phased.ini diff --wave reference >/dev/null
check "demo: the reference wave moves once its two tenants are accepted" \
    "wave reference: moving -> moved; the truth of its slice: production|0" \
    "$("$bin" --plan phased.ini wave reference moved 2>&1)|$?"
check "demo: … recorded in the phased plan's own workspace" "1|0" \
    "$(sqlite3 .cutover-phased/state.db "SELECT count(*) FROM wave_log WHERE state = 'moved'")|$([ -e .cutover/state.db ] && echo 1 || echo 0)"
"$bin" --plan phased.ini diff --wave '(rest)' --ndjson >rest.ndjson
check "demo: --wave (rest) validates the tables no wave names, whole, as a run of its own" \
    "1|api_keys,events,invoice_lines|wave (rest)|invoice_lines missing invoice_id=77,line_no=2" \
    "$?|$(jq -r 'select(.type == "summary") | [.tables[].table] | join(",")' rest.ndjson)|$(sqlite3 .cutover-phased/state.db "SELECT kind FROM runs ORDER BY id DESC LIMIT 1")|$(keyed rest.ndjson | grep '^invoice_lines missing' | head -1)"
check "demo: … and cutover waves shows it as the implicit wave's validation" "fail" \
    "$("$bin" --plan phased.ini waves --json | jq -r '.[3].validation.result')"
check "--wave (rest) --table outside it: exit 2" \
    "cutover: --table users: not a table of the implicit wave (rest)|2" \
    "$("$bin" --plan phased.ini diff --wave '(rest)' --table users 2>&1 >/dev/null)|$?"
cd ..
finish
