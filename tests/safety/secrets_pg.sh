#!/bin/bash
# Never leaks (issue #31): a password reaches no output, log, workspace or
# report, also when libpq quotes the connection string in its own message (a
# malformed URI) and when the key is misspelt (passwor=). Run by
# tests/harness.sh; the server trusts every local connection, so a password
# is accepted and ignored.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
secret=Zq7secretPW

# leaks FILE…: the lines of the files that hold the secret
leaks() { grep -a -h -- "$secret" "$@" 2>/dev/null; }

createdb sa && createdb sb || exit 99
for db in sa sb; do psql -X -q -d $db -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
    -c "INSERT INTO t VALUES (1, 'a')" || exit 99; done

# each URL with a password, malformed or misspelt: init warns of the password on its
# command line (but for a URL it cannot read) and refuses the URL as bad usage (exit 2),
# saying why without the password
while IFS='|' read -r label url want_rc want; do
    "$bin" init --force --source "$url" --target dbname=sb >out.txt 2>&1
    rc=$?
    check "$label: exit $want_rc, said without the password" "$want_rc $want" \
        "$rc $(grep -c . out.txt) $(leaks out.txt | wc -l)"
    [ -z "$(leaks out.txt)" ] || cat out.txt
done <<E
a malformed URI that libpq quotes|postgresql://app:$secret@[::1/db|2|2 0
a misspelt password key|host=$PGHOST port=$PGPORT passwor=$secret dbname=sa|2|2 0
a quoted misspelt key|host=$PGHOST passwd='$secret x' dbname=sa|2|2 0
an unknown scheme|postgresq://app:$secret@h/db|2|1 0
E

# a working URL with a password: init warns and leaves it out of the plan
"$bin" init --force --source "postgresql://postgres:$secret@localhost:$PGPORT/sa?host=$PGHOST" \
    --target "host=$PGHOST port=$PGPORT dbname=sb password=$secret" >init.txt 2>&1 || exit 99
check "init: a password on the command line is warned of, once a side, and left out of the plan" \
    "2 0" "$(grep -c 'holds a password, which other users can see' init.txt) $(leaks cutover.ini | wc -l)"
# … a plan that holds one anyway: every command's output, the workspace, the reports
sed -i "s|^url *= *postgresql://postgres@|url = postgresql://postgres:$secret@|;
        s|^url *= *host=\(.*\) dbname=sb\$|url = host=\1 dbname=sb password=$secret|" cutover.ini
check "(the plan now holds it twice)" 2 "$(leaks cutover.ini | wc -l)"
{
    "$bin" inventory; "$bin" inventory --json; "$bin" diff; "$bin" diff --ndjson; "$bin" runs --json
    "$bin" map lint; "$bin" report --format md; "$bin" report --format json; "$bin" doctor --json
    "$bin" watch --headless --for 2s --interval 1s
} >all.txt 2>&1
check "every command with a password in the URLs: the password nowhere in their output" \
    "0" "$(leaks init.txt all.txt | wc -l)"
check "… nor in the sheet, nor in the workspace" "0" \
    "$(leaks mapping.csv .cutover/state.db .cutover/state.db-wal | wc -l)"
check "… the masked URLs are shown instead" "yes yes" \
    "$(grep -q 'postgresql://postgres:\*\*\*@localhost' all.txt && echo yes) $(grep -q 'password=\*\*\*' all.txt && echo yes)"

finish
