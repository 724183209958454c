#!/bin/bash
# The workspace's disk full while a run records (issue #31): said once, the
# run goes on without recording, shows what it finds and is recorded
# incomplete if its end can be written at all — never thousands of failed
# writes (and messages) over a minute. The "full disk" is the file size limit
# (ulimit -f, SIGXFSZ ignored: a write past it fails as on a full disk), so
# the test needs no root. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-full.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

for f in a b; do
    sqlite3 $f.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 20000)
        INSERT INTO t SELECT i, '$f' || i FROM g;" || exit 99
done
"$bin" init --source sqlite:a.db --target sqlite:b.db >/dev/null || exit 99
"$bin" runs >/dev/null || exit 99  # the workspace made while the disk has room
size=$(( $(du -k .cutover/state.db | cut -f1) + 64 ))
start=$(date +%s%N)
(trap '' XFSZ; ulimit -f "$size"; exec "$bin" diff --ndjson) >/dev/null 2>err.txt
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a run that fills the disk: exit 2 (the validation's own failure), said once, then its end" \
    "2 2" "$rc $(wc -l <err.txt)"
check "… the first line says recording stopped" "yes" \
    "$(head -1 err.txt | grep -q 'run 1 stops recording: what it finds is still shown, not kept' && echo yes)"
check "… the run recorded incomplete, saying why" "incomplete|yes" \
    "$(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = 1")|$(
       sqlite3 .cutover/state.db "SELECT note FROM runs WHERE id = 1" | grep -q 'cannot record' && echo yes)"
echo "# it took ${ms} ms (once 53 s: a failed write, and its message, per discrepancy)"
"$bin" diff --ndjson >again.ndjson
check "room again: the next run records in full (10,000 a table, REH_CAP)" "1 done 10000" \
    "$? $(sqlite3 .cutover/state.db "SELECT status FROM runs WHERE id = 2") $(
       sqlite3 .cutover/state.db "SELECT count(*) FROM discrepancies WHERE run_id = 2")"

finish
