#!/bin/bash
# cutover doctor (issue #31): both sides checked before a cutover. A role that
# could write is a warning (exit 1), a read-only role is not (exit 0), a side
# not reached is exit 3, the workspace inside a database is refused; the
# settings every session pins are shown pinned, and what the database would
# set otherwise is said. Run by tests/harness.sh.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-doctor.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

createdb dr || exit 99
psql -X -q -v ON_ERROR_STOP=1 -d dr -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
    -c "INSERT INTO t VALUES (1, 'a')" -c "CREATE ROLE doctor_ro LOGIN" \
    -c "GRANT pg_read_all_data TO doctor_ro" -c "CREATE ROLE doctor_rw LOGIN" \
    -c "GRANT INSERT, SELECT ON t TO doctor_rw" \
    -c "ALTER DATABASE dr SET datestyle = 'SQL, DMY'" || exit 99
sqlite3 pilot.db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');" || exit 99
"$bin" init --source sqlite:pilot.db --target dbname=dr >/dev/null || exit 99

# the harness's role is a superuser
"$bin" doctor --json >su.json
rc=$?
check "a superuser: a warning, exit 1" "1 warn" "$rc $(jq -r .status su.json)"
check "… saying why" "target privileges warn role is a superuser: it could write (use a read-only role: docs/safety.md)" \
    "$(jq -r '.checks[] | select(.side == "target" and .check == "privileges") | "\(.side) \(.check) \(.status) \(.message)"' su.json | head -1)"
check "… the session's settings pinned, what the database sets said" \
    "ok info DateStyle=SQL, DMY" \
    "$(jq -r '[.checks[] | select(.side == "target" and .check == "settings") | .status] | join(" ")' su.json) $(
      jq -r '.checks[] | select(.status == "info") | .message' su.json | grep -o 'DateStyle=SQL, DMY')"
check "… the versions, the latency and the clock of each side" "source latency ok|source version ok|target latency ok|target version ok|target clock ok|workspace workspace ok" \
    "$(jq -r '.checks[] | select(.check == "version" or .check == "latency" or .check == "clock" or .check == "workspace") | "\(.side) \(.check) \(.status)"' su.json | paste -sd'|')"

sed -i 's|^url *= *dbname=dr$|url = dbname=dr user=doctor_ro|' cutover.ini
grep -q '^url = dbname=dr user=doctor_ro$' cutover.ini || exit 99
"$bin" doctor >ro.txt
rc=$?
check "a role granted pg_read_all_data: ready, exit 0" "0 ready" "$rc $(tail -n 1 ro.txt)"
check "… it can write to no table" "target    privileges ok    role can write to no table" \
    "$(grep '^target *privileges' ro.txt)"

sed -i 's|^url = dbname=dr user=doctor_ro$|url = dbname=dr user=doctor_rw|' cutover.ini
"$bin" doctor --json >rw.json
check "a role granted INSERT on one table: a warning naming how many" \
    "1 role could write to 1 table (INSERT, UPDATE, DELETE or TRUNCATE): cutover never does, but a read-only role makes sure (docs/safety.md)" \
    "$? $(jq -r '.checks[] | select(.check == "privileges") | .message' rw.json)"

sed -i 's|^url = dbname=dr user=doctor_rw$|url = host=127.0.0.1 port=1 dbname=dr|' cutover.ini
"$bin" doctor >down.txt
rc=$?
check "a side not reached: exit 3, said" "3 target    reach      fail" "$rc $(grep -o '^target *reach *fail' down.txt)"

sed -i 's|^url = host=127.0.0.1 port=1 dbname=dr$|url = dbname=dr user=doctor_ro|' cutover.ini
sed -i 's|^workspace *=.*|workspace = pilot.db|' cutover.ini
"$bin" doctor --json >ws.json
check "the workspace inside the source's file: refused, exit 1" \
    "1 fail pilot.db is the source database's file (or its journal): set [migration] workspace elsewhere" \
    "$? $(jq -r '.checks[] | select(.check == "workspace") | "\(.status) \(.message)"' ws.json)"
check "… nothing written to either side" "1|a" "$(sqlite3 pilot.db 'SELECT * FROM t')"

finish
