#!/bin/bash
# cutover diff's outputs on SQLite pairs: NDJSON, one JSON document and text
# with a sample per table; long values cut at 1 KiB (and in the report at 60
# bytes) at a character's start; 10,000 discrepancies of a table kept in the
# workspace, every one counted. Needs no PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-outputs.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# --- the three outputs: NDJSON, one JSON document, text with a sample per table -------
sqlite3 many.db "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30)
    INSERT INTO a SELECT i, 'v' || i FROM s; INSERT INTO b VALUES (1), (2), (3), (4), (5)"
cp many.db many2.db
sqlite3 many2.db "UPDATE a SET v = v || '!' WHERE id <= 25; DELETE FROM b WHERE id <= 3"
mkdir many && cd many
"$bin" init --source sqlite:../many.db --target sqlite:../many2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
"$bin" diff --json >run.json
rc=$?
check "--json: one document, exit 1" "1 1" "$rc $(jq -s length run.json)"
check "--json: every discrepancy, as --ndjson gave them" \
    "$(grep '"type":"discrepancy"' run.ndjson | sort)" "$(jq -c '.discrepancies[]' run.json | sort)"
check "--json: the summary's counts" "25 0 3 28" \
    "$(jq -r '"\(.changed) \(.extra) \(.missing) \(.discrepancies | length)"' run.json)"
check "--json --sample 2: two a table, the counts still exact" "2 2 25 3" \
    "$("$bin" diff --json --sample 2 | jq -r '[(.discrepancies | map(select(.table == "a")) | length),
        (.discrepancies | map(select(.table == "b")) | length), .changed, .missing] | join(" ")')"
"$bin" diff >run.txt
check "text: the tables, the totals, then ten of a's 25 and b's three" \
    "a a 30 30 0 0 25 fail|b b 5 2 3 0 0 fail|3 missing, 0 extra, 25 changed|10 3" \
    "$(grep -E '^[ab] +[ab] +[0-9]' run.txt | tr -s ' ' | tr '\n' '|')$(grep -x '3 missing, 0 extra, 25 changed' run.txt)|$(grep -c '^a  id=' run.txt) $(grep -c '^b  id=' run.txt)"
check "text: a discrepancy a line, for a person: table, key, kind, field: source → target" \
    'a  id=1  changed  v: "v1" → "v1!"|b  id=1  missing' \
    "$(grep -E '^(a|b)  id=1 ' run.txt | tr '\n' '|' | sed 's/|$//')"
cd ..

# --- a long value that differs is reported cut at 1 KiB (at a character's start, ending
# in "…") with its whole length, in the NDJSON and the workspace alike; a short one whole.
# Two that differ past the first KiB are shown from 64 bytes before their difference
sqlite3 long.db "CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT, v TEXT);
    INSERT INTO t VALUES (1, replace(hex(zeroblob(600)), '00', 'é') || 'a', 'x')"
sqlite3 long2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT, v TEXT);
    INSERT INTO t VALUES (1, replace(hex(zeroblob(600)), '00', 'é') || 'b', 'y')"
mkdir long && cd long
"$bin" init --source sqlite:../long.db --target sqlite:../long2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "two 1,201-byte values differing in their last byte: shown from byte 1,136 (32 é before it), their lengths beside them; v whole" \
    "doc …$(printf 'é%.0s' $(seq 32))a …$(printf 'é%.0s' $(seq 32))b 1201 1201 1136|v x y null null null|" \
    "$(jq -r 'select(.type == "discrepancy") | .fields[] | "\(.source) \(.source_value) \(.target_value) \(.source_length) \(.target_length) \(.from)"' run.ndjson | tr '\n' '|')"
check "… kept so in the workspace (65 bytes and the 3 of …)" "68 1201 1136" \
    "$(sqlite3 .cutover/state.db "SELECT fields_json FROM discrepancies" | jq -r '.[0] | "\(.source_value | utf8bytelength) \(.source_length) \(.from)"')"
# … and one differing early is cut after 512 é, from its start
sqlite3 ../long2.db "UPDATE t SET doc = 'x' || substr(doc, 2)"
"$bin" diff --ndjson >run.ndjson
check "a 1,201-byte value differing in its first character: its first 1,024 bytes" \
    "$(printf 'é%.0s' $(seq 512))… x$(printf 'é%.0s' $(seq 511))… 1201 1200 null" \
    "$(jq -r 'select(.type == "discrepancy") | .fields[] | select(.source == "doc") | "\(.source_value) \(.target_value) \(.source_length) \(.target_length) \(.from)"' run.ndjson)"
check "the report's discrepancy says what differs, each value cut at 60 bytes at a character's start" \
    "| t | changed | id=1 | doc: \"$(printf 'é%.0s' $(seq 29))… → \"x$(printf 'é%.0s' $(seq 29))…; v: \"x\" → \"y\" |  |  |  |" \
    "$("$bin" report | grep '^| t | changed')"
cd ..

# --- the workspace keeps 10,000 discrepancies of a table a run, the counts all --------
sqlite3 big.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10050)
    INSERT INTO t SELECT i, 'v' FROM s"
sqlite3 big2.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10050)
    INSERT INTO t SELECT i, 'w' FROM s"
mkdir big && cd big
"$bin" init --source sqlite:../big.db --target sqlite:../big2.db >/dev/null || exit 99
"$bin" diff --ndjson >run.ndjson
check "10,050 changed rows: all in the NDJSON and the summary, 10,000 kept in the workspace" \
    "10050 10050 10050 10000" \
    "$(grep -c '"kind":"changed"' run.ndjson) $(tail -n 1 run.ndjson | jq .changed) $(sqlite3 .cutover/state.db "SELECT changed FROM results WHERE run_id = 1 AND kind = 'table'") $(sqlite3 .cutover/state.db "SELECT count(*) FROM discrepancies WHERE run_id = 1")"
cd ..

finish
