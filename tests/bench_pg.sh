#!/bin/bash
# make bench: the database layer's streaming throughput on the demo's 120k-row
# events table, in SQLite and in PostgreSQL, beside each engine's own client
# reading the same rows on this machine (the baseline), and the wall time of
# `cutover inventory` on the demo. Figures only: nothing here passes or fails.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
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

# --- the diff: N rows (BENCH_ROWS, default 1,000,000), 8 columns, 0.2 % changed --------
n=${BENCH_ROWS:-1000000}
echo
echo "cutover diff on $n rows of 8 columns, 0.2 % of them changed:"
sqlite3 src.db "CREATE TABLE bench (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c NUMERIC, d REAL,
    e INTEGER, f TEXT, g TEXT);
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
  INSERT INTO bench SELECT i, i * 7 % 1000, 'name ' || i, round((i % 10000) / 100.0, 2), i / 3.0,
    i % 2, datetime(1600000000 + i, 'unixepoch'), printf('%08x', (i * 2654435761) % 4294967296)
  FROM s;"
cp src.db tgt.db
sqlite3 tgt.db "UPDATE bench SET b = b || '!' WHERE id % 500 = 0"
for db in bench_src bench_tgt; do
    createdb $db
    psql -X -q -d $db -c "CREATE TABLE bench (id bigint PRIMARY KEY, a integer, b text,
        c numeric(12,2), d double precision, e boolean, f timestamp, g text)" \
      -c "INSERT INTO bench SELECT i, i * 7 % 1000, 'name ' || i, round((i % 10000) / 100.0, 2),
        i::float8 / 3, i % 2 = 1, to_timestamp(1600000000 + i) AT TIME ZONE 'UTC',
        lpad(to_hex((i::bigint * 2654435761) % 4294967296), 8, '0')
        FROM generate_series(1, $n) i"
done
psql -X -q -d bench_tgt -c "UPDATE bench SET b = b || '!' WHERE id % 500 = 0"
# vacuumed now, as a production table is: left to autovacuum, the 1M new rows
# are vacuumed (and their hint bits written) in the middle of the measurements
for db in bench_src bench_tgt; do psql -X -q -d $db -c "VACUUM (ANALYZE) bench"; done

pair() {  # pair DIR SOURCE TARGET: a plan and a suggested sheet for them
    mkdir -p "$1" && (cd "$1" && "$bin" init --source "$2" --target "$3" >/dev/null)
}
pair lite2lite "sqlite:$PWD/src.db" "sqlite:$PWD/tgt.db"
pair lite2pg "sqlite:$PWD/src.db" dbname=bench_tgt
pair pg2pg dbname=bench_src dbname=bench_tgt

measure_cmd() {
    local label=$1 key=$2
    shift 2
    local best= rss= cpu=
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M %U %S" -o "$work/t.out" "$@" >/dev/null 2>"$work/err.out" || :
        read -r s kb u k < <(tail -n 1 "$work/t.out")  # after "Command exited with …"
        if [ -z "$best" ] || awk "BEGIN { exit !($s < $best) }"; then
            best=$s rss=$kb cpu=$(awk "BEGIN { print $u + $k }")
        fi
    done
    # the CPU time is the command's own (user + system; not a server's)
    printf '  %-54s %7.2f s  %6d MB  %5.2f CPU-s\n' "$label" "$best" $((rss / 1024)) "$cpu"
    printf -v "t_$key" '%s' "$best"
}
q="SELECT * FROM bench ORDER BY id"
bare() {  # bare KEY DATABASE: psql's ordered COPY of one side
    measure_cmd "psql: COPY (… ORDER BY key) TO STDOUT, $2" "$1" psql -X -d "$2" -c "COPY ($q) TO STDOUT"
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
slower() { awk "BEGIN { print ($1 > $2) ? $1 : $2 }"; }
found() {  # found DIR [ENV…]: whether the diff in DIR finds exactly the changed rows
    (cd "$1" && shift && env "$@" "$bin" diff --ndjson | tail -n 1 | grep -q "\"changed\":$((n / 500))")
}
echo " baseline (this machine):"
measure_cmd "sqlite3: read the table ordered by key" sqlite sqlite3 src.db "$q"
# a shared machine's cores need not run alike (a neighbour on one): the same read on each
for c in $(seq 0 $(($(nproc) - 1))); do
    measure_cmd "sqlite3: the same, on core $c alone" "core$c" taskset -c "$c" sqlite3 src.db "$q"
done
bare pg_tgt bench_tgt
measure_cmd "sqldiff on the SQLite pair" sqldiff sqldiff src.db tgt.db
# the diff reads both sides at once: on a machine with few cores they compete
measure_cmd "both sides read at once: sqlite3 + sqlite3" both_l2l bash -c \
    "sqlite3 src.db '$q' >/dev/null & sqlite3 tgt.db '$q' >/dev/null; wait"
measure_cmd "both sides read at once: sqlite3 + psql" both_l2p bash -c \
    "sqlite3 src.db '$q' >/dev/null & psql -X -d bench_tgt -c 'COPY ($q) TO STDOUT' >/dev/null; wait"
echo " cutover diff (exit 1 expected: 0.2 % changed):"
cd lite2lite && measure_cmd "SQLite → SQLite" l2l "$bin" diff --sample 0 && cd ..
cd lite2pg && measure_cmd "SQLite → PostgreSQL" l2p "$bin" diff --sample 0 && cd ..
found lite2lite && found lite2pg && echo "  (each run found exactly $((n / 500)) changed rows)"
echo " ratios (targets: 1.3x the slower side's bare read; SQLite pair: 1x sqldiff):"
printf '  %-24s %5sx the slower bare read  %5sx both read at once\n' \
    "SQLite → SQLite:" "$(ratio "$t_l2l" "$t_sqlite")" "$(ratio "$t_l2l" "$t_both_l2l")" \
    "SQLite → PostgreSQL:" "$(ratio "$t_l2p" "$(slower "$t_sqlite" "$t_pg_tgt")")" "$(ratio "$t_l2p" "$t_both_l2p")"
printf '  %-24s %5sx sqldiff\n' "SQLite → SQLite:" "$(ratio "$t_l2l" "$t_sqldiff")"
echo " the structural checks alone (diff --structure-only: the NULL shares of the 8 columns,"
echo " one count(col) query per side; the full runs above include them):"
cd lite2lite && measure_cmd "SQLite → SQLite" st_l2l "$bin" diff --structure-only && cd ..
cd lite2pg && measure_cmd "SQLite → PostgreSQL" st_l2p "$bin" diff --structure-only && cd ..
cd pg2pg && measure_cmd "PostgreSQL → PostgreSQL" st_p2p "$bin" diff --structure-only && cd ..

# --- PostgreSQL → PostgreSQL: the row-hash probe against reading every row, and the
# server's shared_buffers: PostgreSQL's default (128 MB) holds one table and its key's
# index, not both, so the diff's two index scans evict each other's pages where the
# bare read of one side does not; a production server is given far more
mb() { psql -X -At -d "$1" -c "SELECT pg_total_relation_size('bench') / 1048576"; }
tables=$(( $(mb bench_src) + $(mb bench_tgt) ))
p2p() {  # p2p SUFFIX: each side's bare read, both at once, the diff hashed and in full
    # names measure_cmd does not use: its variables are seen here (bash's dynamic scope)
    local p_src=t_pg_src$1 p_tgt=t_pg_tgt$1 p_both=t_both$1 p_hash=t_hash$1 p_full=t_full$1 p_slow
    bare "pg_src$1" bench_src
    bare "pg_tgt$1" bench_tgt
    measure_cmd "both sides read at once: psql + psql" "both$1" bash -c \
        "psql -X -d bench_src -c 'COPY ($q) TO STDOUT' >/dev/null & psql -X -d bench_tgt -c 'COPY ($q) TO STDOUT' >/dev/null; wait"
    cd pg2pg
    measure_cmd "cutover diff: row hashes, then the rows that differ" "hash$1" "$bin" diff --sample 0
    measure_cmd "cutover diff: every row (CUTOVER_DIFF_HASH=0)" "full$1" \
        env CUTOVER_DIFF_HASH=0 "$bin" diff --sample 0
    cd ..
    found pg2pg && found pg2pg CUTOVER_DIFF_HASH=0 && echo "  (both found exactly $((n / 500)) changed rows)"
    p_slow=$(slower "${!p_src}" "${!p_tgt}")
    printf '  %-44s %5sx / %sx the slower bare read (target 1.3x), %sx / %sx both read at once\n' \
        "ratios, hashed / every row:" "$(ratio "${!p_hash}" "$p_slow")" "$(ratio "${!p_full}" "$p_slow")" \
        "$(ratio "${!p_hash}" "${!p_both}")" "$(ratio "${!p_full}" "${!p_both}")"
}
sb=$(psql -X -At -c "SHOW shared_buffers")
echo
echo "PostgreSQL → PostgreSQL, the two tables and their keys $tables MB in all:"
echo " shared_buffers $sb (this server's):"
p2p _small
big_sb=$(( (tables * 5 / 4 + 127) / 128 * 128 ))
if [ "$big_sb" -gt "${sb%MB}" ] && [ -n "${CUTOVER_PG_CTL:-}" ]; then
    as_pg "$CUTOVER_PG_CTL" -D "$CUTOVER_PGDATA" -m fast -w stop >/dev/null
    as_pg "$CUTOVER_PG_CTL" -D "$CUTOVER_PGDATA" -l "$CUTOVER_PGDATA/../restart.log" -w \
        -o "$CUTOVER_PG_OPTS -c shared_buffers=${big_sb}MB" start >/dev/null
    echo " shared_buffers ${big_sb}MB (both tables held; restarted: the first of three reads warms them):"
    p2p _big
fi

# --- a workspace after months of rehearsals: cutover runs, and the dashboard's --------
# rollback advice (it reads the latest run at every redraw), stay quick
echo
echo "cutover runs on a workspace of 200 runs with 10,000 discrepancies each:"
mkdir ws200 && (cd ws200 && "$bin" init --source "sqlite:$work/src.db" --target "sqlite:$work/tgt.db" >/dev/null &&
    "$bin" runs >/dev/null && sqlite3 .cutover/state.db "
    WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 200)
    INSERT INTO runs (kind, status, started_at, duration_ms)
        SELECT 'rehearsal', 'done', '2026-11-01T00:00:00Z', 1000 FROM r;
    INSERT INTO results (run_id, object, kind, source_rows, target_rows, missing, extra, changed, status)
        SELECT id, 'bench', 'table', $n, $n, 0, 0, 10000, 'fail' FROM runs;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10000)
    INSERT INTO discrepancies (run_id, tbl, target_tbl, kind, key_json)
        SELECT runs.id, 'bench', 'bench', 'changed', '{\"id\":' || k.i || '}' FROM runs, k;")
printf '  %-44s %7s s\n' "cutover runs:" "$(cd ws200 && best "$bin" runs)"
printf '  %-44s %7s s\n' "baseline: sqlite3 count(*) of the 2M rows:" \
    "$(best sqlite3 ws200/.cutover/state.db "SELECT count(*) FROM discrepancies")"

# --- rows of large values: the memory held does not grow with them ------------------------
# SQLite reads 2 MB blobs faster than PostgreSQL sends its bytea, so the source runs
# ahead of the target: it is paused past 8 MB queued (as past 4,000 rows)
echo
echo "cutover diff on rows of 2 MB values (SQLite BLOB → PostgreSQL bytea), peak RSS:"
big() {  # big ROWS: the pair, then the diff's peak RSS
    rm -f big.db && sqlite3 big.db "CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
        INSERT INTO b SELECT i, zeroblob(2000000) FROM s"
    dropdb --if-exists bench_big 2>/dev/null; createdb bench_big
    psql -X -q -d bench_big -c "CREATE TABLE b (id bigint PRIMARY KEY, data bytea)" \
        -c "INSERT INTO b SELECT g, decode(repeat('00', 2000000), 'hex') FROM generate_series(1, $1) g"
    rm -rf bigpair && mkdir bigpair && (cd bigpair &&
        "$bin" init --source "sqlite:$work/big.db" --target dbname=bench_big >/dev/null &&
        /usr/bin/time -f "%M" -o ../big.rss "$bin" diff --sample 0 >/dev/null)
    printf '  %-44s %7d MB\n' "$1 rows ($(( $1 * 2 )) MB a side)" $(($(cat big.rss) / 1024))
}
big 50
big 200
