#!/bin/bash
# make bench: the database layer's streaming throughput on the demo's 120k-row
# events table, in SQLite and in PostgreSQL, beside each engine's own client
# reading the same rows on this machine (the baseline), and the wall time of
# `cutover inventory` on the demo. Figures only: nothing here passes or fails.
set -eu
bin=${CUTOVER_BIN:?} bench=${CUTOVER_BENCH_DB:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
createdb bench_prod
"$bin" demo demo --target dbname=bench_prod >/dev/null
sql="SELECT * FROM events"
best() {  # best of three wall times of a command, in seconds
    local b=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
        b=$(echo "$t0 $t1 ${b:-}" | awk '{ d = $2 - $1; if ($3 == "" || d < $3) d = d; else d = $3; printf "%.3f", d }')
    done
    echo "$b"
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m)"
echo
echo "streaming 'SELECT * FROM events' (120000 rows):"
printf '  %-34s %s\n' "cutover db layer, SQLite:" "$("$bench" sqlite:demo/pilot.db "$sql")"
printf '  %-34s %s s\n' "baseline: sqlite3 CLI to /dev/null:" "$(best sqlite3 demo/pilot.db "$sql")"
printf '  %-34s %s\n' "cutover db layer, PostgreSQL:" \
    "$("$bench" dbname=bench_prod "SELECT * FROM events")"
printf '  %-34s %s s\n' "baseline: psql -At to /dev/null:" \
    "$(best psql -X -At -d bench_prod -c "SELECT * FROM events")"
echo
echo "cutover inventory on the demo (10 table pairs, 157k + 137k rows counted):"
printf '  %-34s %s s\n' "SQLite target:" "$(best "$bin" --plan demo/cutover.ini inventory)"
printf '  %-34s %s s\n' "baseline: sqlite3 count(*) x10:" "$(best sqlite3 demo/pilot.db \
    "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM users) + (SELECT count(*) FROM events) + (SELECT count(*) FROM page_views) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM invoices) + (SELECT count(*) FROM invoice_lines) + (SELECT count(*) FROM subscriptions) + (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM feature_flags)")"
