#!/bin/bash
# Ctrl-C (SIGINT) or SIGTERM while cutover reads the catalogs, its count blocked
# by a lock the pilot's application holds: the query is cancelled on the
# server at once (left there, it would wait until its statement_timeout and
# hold up every query queued behind it), and cutover dies of the signal.
# Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-interrupt.XXXXXX")
trap 'rm -rf "$work"; exec 7>&- 2>/dev/null' EXIT
cd "$work" || exit 99

createdb il || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d il -c "CREATE TABLE t (id int PRIMARY KEY)" -c "INSERT INTO t VALUES (1)" || exit 99
"$bin" init --source dbname=il --target dbname=il >/dev/null || exit 99
# waiting: cutover's sessions that wait for a lock
waiting() {
    psql -X -At -d il -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cutover'
        AND wait_event_type = 'Lock'"
}
for sig in INT TERM; do
    mkfifo lock.fifo || exit 99
    psql -X -At -d il <lock.fifo >lock.out 2>&1 &
    exec 7>lock.fifo
    echo "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT 'held';" >&7
    for _ in $(seq 100); do grep -q held lock.out && break; sleep 0.1; done
    "$bin" inventory >out.txt 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ "$(waiting)" = 2 ] && break; sleep 0.1; done
    check "SIG$sig: (both sides' counts wait for the lock)" 2 "$(waiting)"
    kill -$sig $pid
    wait $pid
    rc=$?
    check "SIG$sig: cutover dies of the signal, saying where" \
        "$((128 + $([ $sig = INT ] && echo 2 || echo 15))) cutover: SIG$sig: stopped while reading the catalogs" \
        "$rc $(cat out.txt)"
    # the cancel has reached the server when cutover exits; its backend stops
    # waiting a moment later (the lock is still held: without the cancel they wait on)
    for _ in $(seq 20); do [ "$(waiting)" = 0 ] && break; sleep 0.1; done
    check "… and its queries no longer wait on the server" 0 "$(waiting)"
    echo "COMMIT;" >&7
    exec 7>&-
    wait
    rm -f lock.fifo lock.out
done

finish
