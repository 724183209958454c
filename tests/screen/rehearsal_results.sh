#!/bin/bash
# What the Rehearsal panel shows of a run's results, on small SQLite pairs: a
# discrepancy's detail finding both rows by each side's own key (a NULL key, a
# timestamp key each side writes its own way, a key the sheet transforms, and
# the mapping's preview by it), a run failed by a business check alone, and a
# run refused by a misspelt rule never the one the next is compared with (in
# the CLI, the panel, the report and the acceptance). Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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

finish
