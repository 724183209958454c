#!/bin/bash
# Drift during a phased migration (DESIGN.md, "Waves"), on the simulated
# clock, SQLite Pilot → SQLite and PostgreSQL Production: once a wave has
# moved with truth = production, the Pilot's writes inside its slice past the
# switch are stray writes, found exactly (none before the switch, none
# outside the slice); with truth = both, a change on one side only, past the
# lag allowance, is drift. Both are hypercare findings with an alert, kept
# once across sessions, on the report; a wave rolled back is not watched.
# Run by tests/harness.sh (PostgreSQL).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
if [ -z "${PGHOST:-}" ]; then echo "no PostgreSQL: run me through tests/harness.sh" >&2; exit 99; fi
export USER=tester
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-strays.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# 20 accounts; even ids move in wave "even" (truth production), odd ids in
# wave "odd" (truth both, dual writes), all last written on 1 April.
sqlite3 src.db "
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
    INSERT INTO accounts SELECT i, 'account ' || i, '2026-04-01 00:00:00' FROM n;
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, updated_at TEXT);
    INSERT INTO notes VALUES (1, 'x', '2026-04-01 00:00:00')" || exit 99
schema="CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at TIMESTAMP NOT NULL);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, updated_at TIMESTAMP);"
cp src.db tgt.db
createdb strays || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d strays -c "$schema" >/dev/null || exit 99
for t in accounts notes; do
    sqlite3 -csv src.db "SELECT * FROM $t" |
        psql -X -q -v ON_ERROR_STOP=1 -d strays -c "\\copy $t FROM STDIN (FORMAT csv)" || exit 99
done

# After the switch at 00:00 on 1 May. Wave even: 4 and 8 written on the
# Pilot after it (8 in ISO's T form), 22 inserted there; 6 written just
# before it; a note (no wave) written after it. Wave odd: 3 written on both
# within 20 s; 5 on the Pilot only; 7 on Production only; 9 on both, 3
# minutes apart (past the 60 s allowance: both are drift).
pilot="UPDATE accounts SET updated_at = '2026-05-01 00:10:00' WHERE id = 4;
    UPDATE accounts SET updated_at = '2026-05-01T00:20:00' WHERE id = 8;
    INSERT INTO accounts VALUES (22, 'account 22', '2026-05-01 00:30:00');
    UPDATE accounts SET updated_at = '2026-04-30 23:59:00' WHERE id = 6;
    UPDATE notes SET updated_at = '2026-05-01 00:10:00';
    UPDATE accounts SET updated_at = '2026-05-01 00:10:00' WHERE id = 3;
    UPDATE accounts SET updated_at = '2026-05-01 00:20:00' WHERE id = 5;
    UPDATE accounts SET updated_at = '2026-05-01 00:50:00' WHERE id = 9;"
prod="UPDATE accounts SET updated_at = '2026-05-01 00:10:20' WHERE id = 3;
    UPDATE accounts SET updated_at = '2026-05-01 00:40:00' WHERE id = 7;
    UPDATE accounts SET updated_at = '2026-05-01 00:53:00' WHERE id = 9;"

plan() {  # plan DIR TARGET-URL
    mkdir "$1" && cd "$1" || exit 99
    "$bin" init --source sqlite:../src.db --target "$2" >/dev/null || exit 99
    sed -i 's/^decision *= *undecided$/decision = migrate\nwatermark = updated_at/' cutover.ini
    cat >>cutover.ini <<'EOF'

[wave even]
tables = accounts
where  = id % 2 = 0
trigger.stray_writes = 1

[wave odd]
tables = accounts
where  = id % 2 = 1
truth  = both

[hypercare]
duration = 72h
alert.stray_writes = 1
alert.drift_keys   = 1, 10
EOF
    for w in even odd; do
        CUTOVER_SIMULATED_CLOCK=2026-05-01T00:00:00Z "$bin" wave $w start >/dev/null &&
        CUTOVER_SIMULATED_CLOCK=2026-05-01T00:00:00Z "$bin" wave $w moved >/dev/null || exit 99
    done
}

# finds NDJSON: the stray writes and drift, a line each, sorted
finds() {
    jq -r 'select(.type == "discrepancy" and (.kind == "stray_write" or .kind == "drift")) |
           "\(.wave) \(.kind) \(.side) id=\(.key.id) \(.at)"' "$1" | sort
}

for side in sqlite pg; do
    if [ $side = sqlite ]; then
        plan $side sqlite:../tgt.db
        sqlite3 ../src.db "$pilot" && sqlite3 ../tgt.db "$prod" || exit 99
    else
        plan $side dbname=strays
        psql -X -q -v ON_ERROR_STOP=1 -d strays -c "$prod" >/dev/null || exit 99
    fi
    CUTOVER_SIMULATED_CLOCK=2026-05-01T01:00:00Z "$bin" watch --headless --for 2m >w1.ndjson 2>w1.err
    check "$side: watch exits 0, nothing on stderr" "0|" "$?|$(cat w1.err)"
    check "$side: stray writes and drift, exactly" \
"even stray_write source id=22 2026-05-01 00:30:00
even stray_write source id=4 2026-05-01 00:10:00
even stray_write source id=8 2026-05-01T00:20:00
odd drift source id=5 2026-05-01 00:20:00
odd drift source id=9 2026-05-01 00:50:00
odd drift target id=7 2026-05-01 00:40:00
odd drift target id=9 2026-05-01 00:53:00" "$(finds w1.ndjson)"
    check "$side: an alert on each, at its level" \
        "drift_keys opened warning 4|stray_writes opened critical 3|" \
        "$(jq -r 'select(.type == "alert") | "\(.metric) \(.state) \(.level) \(.value)"' w1.ndjson | sort | tr '\n' '|')"
    check "$side: the wave's own trigger: rolling it back is advised" \
        "stray_writes breached 3 even ROLLBACK OF THE WAVE ADVISED" \
        "$(jq -r 'select(.type == "trigger") | "\(.trigger) \(.state) \(.value) \(.wave) \(.advice)"' w1.ndjson)"
    check "$side: … on the timeline" \
        "wave even: stray_writes 3 (limit 1), seen by hypercare: ROLLBACK OF WAVE even ADVISED, the call is (no authority named)'s" \
        "$(sqlite3 .cutover/state.db "SELECT output FROM runbook_log WHERE step = 'trigger'")"
    check "$side: … and by cutover waves" \
        "                 ROLLBACK OF THE WAVE ADVISED: stray_writes 3 (limit 1)" \
        "$("$bin" waves | grep ADVISED)"
    check "$side: recorded as the session's findings" "drift 4|stray_write 3|" \
        "$(sqlite3 .cutover/state.db "SELECT kind, count(*) FROM live_findings GROUP BY kind" | tr '\n|' '| ')"
    CUTOVER_SIMULATED_CLOCK=2026-05-01T02:00:00Z "$bin" watch --headless --for 1m >w2.ndjson 2>w2.err
    check "$side: a new session finds them again but records them once" "7|7" \
        "$(finds w2.ndjson | wc -l)|$(sqlite3 .cutover/state.db "SELECT count(*) FROM live_findings")"
    "$bin" report --format json >report.json
    check "$side: the report's waves part counts them per wave" "even 3 0|odd 0 4" \
        "$(jq -r '[.waves[] | select(.implicit | not) | "\(.wave) \(.strays.stray_write) \(.strays.drift)"] | join("|")' report.json)"
    check "$side: … and the verdict names them" \
        "wave even: rolling it back is advised by its triggers: stray_writes 3 (limit 1)|wave even: 3 stray writes on the Pilot since it moved|wave odd: 4 rows drifted between the sides since it moved" \
        "$(jq -r '[.verdict.reasons[] | select(test("stray|drifted"))] | join("|")' report.json)"
    "$bin" report --format md >report.md
    check "$side: the report lists them, a row each" \
        "| even | stray_write | accounts | {\"id\":4} | source | 2026-05-01 00:10:00 |" \
        "$(grep -F '| even | stray_write | accounts | {"id":4} |' report.md)"
    check "$side: … seven in all" "7" "$(sed -n '/^### Stray writes and drift/,/^#/p' report.md | grep -c '^| \(even\|odd\) ')"
    "$bin" wave even rollback >/dev/null
    CUTOVER_SIMULATED_CLOCK=2026-05-01T03:00:00Z "$bin" watch --headless --for 1m >w3.ndjson 2>w3.err
    rc=$?
    check "$side: a wave rolled back is not watched; the others are" "0|odd drift|" \
        "$rc|$(finds w3.ndjson | cut -d' ' -f1,2 | sort -u | tr '\n' ' ' | sed 's/ $//')|$(cat w3.err)"
    cd ..
done

# Many rows of one bulk write share a watermark: each is found once, past
# the 1,000 a read takes. Dual writes with a backlog on one side: a change
# matched on the other side is no drift, though its side is read rounds later.
mkdir bulk && cd bulk || exit 99
sqlite3 p.db "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
    INSERT INTO big SELECT i, 'v', '2026-04-01 00:00:00' FROM n" || exit 99
cp p.db t.db
"$bin" init --source sqlite:p.db --target sqlite:t.db >/dev/null || exit 99
sed -i 's/^decision *= *undecided$/decision = migrate\nwatermark = updated_at/' cutover.ini
printf '[wave bulk]\ntables = big\nwhere = id %% 2 = 0\n[wave dual]\ntables = big\nwhere = id %% 2 = 1\ntruth = both\n' >>cutover.ini
for w in bulk dual; do
    CUTOVER_SIMULATED_CLOCK=2026-05-01T00:00:00Z "$bin" wave $w start >/dev/null &&
    CUTOVER_SIMULATED_CLOCK=2026-05-01T00:00:00Z "$bin" wave $w moved >/dev/null || exit 99
done
sqlite3 p.db "UPDATE big SET updated_at = '2026-05-01 00:10:00' WHERE id % 2 = 0;
    UPDATE big SET updated_at = '2026-05-01 00:20:00' WHERE id % 4 = 1;
    UPDATE big SET updated_at = '2026-05-01 00:40:00' WHERE id = 2999" || exit 99
sqlite3 t.db "UPDATE big SET updated_at = '2026-05-01 00:40:10' WHERE id = 2999" || exit 99
CUTOVER_SIMULATED_CLOCK=2026-05-01T01:00:00Z "$bin" watch --headless --for 4m >w.ndjson 2>w.err
check "one bulk write: 3,000 stray writes, each key once" "3000 3000" \
    "$(jq -r 'select(.kind == "stray_write") | .key.id' w.ndjson | wc -l) $(jq -r 'select(.kind == "stray_write") | .key.id' w.ndjson | sort -u | wc -l)"
check "a backlog on one side: 1,500 drifted on the Pilot, none matched on both" "1500 source|0" \
    "$(jq -r 'select(.kind == "drift") | .side' w.ndjson | sort | uniq -c | awk '{print $1, $2}')|$(jq -r 'select(.kind == "drift" and .key.id == 2999)' w.ndjson | wc -l)"
cd ..

# A moved wave's table that cannot be watched says so once, and why.
cd sqlite || exit 99
sed -i '/^\[table accounts\]/,/^\[/ { /^watermark/d }' cutover.ini
CUTOVER_SIMULATED_CLOCK=2026-05-01T04:00:00Z "$bin" watch --headless --for 2m >/dev/null 2>w4.err
check "a table without watermark: one warning naming the wave and table" \
    "cutover: warning: wave odd, table accounts: it has no watermark: writes past the switch cannot be told" \
    "$(cat w4.err)"
cd ..
finish
