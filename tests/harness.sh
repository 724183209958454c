#!/bin/bash
# The test driver (automake LOG_COMPILER): runs one test program or script.
# Tests whose name ends in _pg get a throwaway PostgreSQL cluster of their own:
# initdb into a temporary directory (as the postgres user when run as root),
# listening only on a private unix-socket directory and a free 127.0.0.1 port,
# with Chinook (tests/data/chinook) loaded as database "chinook". PGHOST,
# PGPORT, PGUSER and PGDATABASE point at it; it is stopped on exit, pass or fail.
set -u
test=$1
shift
name=$(basename "$test" .sh)

srcdir=${CUTOVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
# The test data ships with the project: a test that cannot run fails (99).
chinook=$srcdir/tests/data/chinook
if [ ! -f "$chinook/Chinook_Sqlite.sqlite" ] || [ ! -f "$chinook/Chinook_PostgreSql.sql" ]; then
    echo "harness: $chinook is incomplete (Chinook_Sqlite.sqlite, Chinook_PostgreSql.sql)" >&2
    exit 99
fi
export CUTOVER_CHINOOK_SQLITE="$chinook/Chinook_Sqlite.sqlite"
export CUTOVER_CHINOOK_PGSQL="$chinook/Chinook_PostgreSql.sql"

pgdir=
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_pg() {
    [ -n "$pgdir" ] || return 0
    as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$pgdir"
}
start_pg() {
    pgbin=$(pg_config --bindir 2>/dev/null)
    [ -x "$pgbin/initdb" ] || pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ ! -x "$pgbin/initdb" ]; then
        echo "harness: PostgreSQL server not installed (Debian package postgresql-15: .ci/install)" >&2
        exit 99
    fi
    pgdir=$(mktemp -d "${TMPDIR:-/tmp}/cutover-pg.XXXXXX")
    trap stop_pg EXIT
    mkdir "$pgdir/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$pgdir"
    if ! as_pg "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1; then
        cat "$pgdir/initdb.log" >&2
        exit 99
    fi
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # taken
        if as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -c port=$port \
                    -c unix_socket_directories=$pgdir/sock -c fsync=off \
                    -c full_page_writes=off" start >/dev/null 2>&1; then
            export PGHOST=$pgdir/sock PGPORT=$port PGUSER=postgres PGDATABASE=postgres
            # for tests that stop the server and start it again (tests/watch_pg.sh)
            export CUTOVER_PG_CTL="$pgbin/pg_ctl" CUTOVER_PGDATA=$pgdir/data \
                CUTOVER_PG_OPTS="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pgdir/sock -c fsync=off"
            break
        fi
    done
    if [ -z "${PGPORT:-}" ]; then
        echo "harness: PostgreSQL did not start:" >&2
        cat "$pgdir/server.log" >&2
        exit 99
    fi
    if [ -n "${CUTOVER_CHINOOK_PGSQL:-}" ]; then
        createdb chinook || exit 99
        # The script creates and enters its own database: load only the rest.
        grep -v -E '^(DROP DATABASE|CREATE DATABASE|\\c )' "$CUTOVER_CHINOOK_PGSQL" |
            psql -q -X -v ON_ERROR_STOP=1 -d chinook >/dev/null || exit 99
    fi
}

unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE
case "$name" in *_pg) start_pg ;; esac
case "$test" in
    *.sh) bash "$test" "$@" ;;
    *) "$test" "$@" ;;
esac
