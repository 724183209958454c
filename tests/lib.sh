# Sourced by the shell tests: TAP-like results and small shared helpers.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; printf '  %s\n' "$@"; }
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
same() {  # same NAME EXPECTED-FILE ACTUAL-FILE
    local d
    if d=$(diff -u "$2" "$3"); then ok "$1"; else not_ok "$1" "$(head -30 <<<"$d")"; fi
}
# as_pg COMMAND…: as the postgres user when root (the harness's server runs as it)
as_pg() { (cd / && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi); }
# hold_workspace DB: another process holds the SQLite database DB (BEGIN
# IMMEDIATE) from when this returns until release_workspace DB
hold_workspace() {
    rm -f "$1.go" "$1.held"
    python3 -c "import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN IMMEDIATE'); open(sys.argv[1] + '.held', 'w').close()
while not os.path.exists(sys.argv[1] + '.go'): time.sleep(0.1)" "$1" &
    holder=$!
    for _ in $(seq 100); do [ -e "$1.held" ] && break; sleep 0.1; done
}
release_workspace() { touch "$1.go"; wait "$holder"; }
# lines NDJSON: a diff's discrepancies a line each, sorted: table kind key
# field:source->target;…
lines() {
    jq -r 'select(.type == "discrepancy") |
           [.table, .kind, (.key | to_entries | map("\(.key)=\(.value)") | join(",")),
            ((.fields // []) | map("\(.source):\(.source_value|tostring)->\(.target_value|tostring)") | join(";"))]
           | join(" ")' "$1" | sed 's/ $//' | sort
}
# keyed NDJSON: a diff's discrepancies a line each, sorted: table kind key [source
# fields] (the fields' names only, not their values)
keyed() {
    jq -r 'select(.type == "discrepancy") | [.table, .kind,
           (.key | to_entries | map("\(.key)=\(.value)") | join(",")),
           ((.fields // []) | map(.source) | join(","))] | join(" ")' "$1" | sed 's/ $//' | sort
}
# clean_pair DIR SOURCE TARGET NAME: a plan for the pair in DIR (made and entered:
# cd .. after), whose first diff (run.ndjson) must be clean; $bin is the binary
clean_pair() {
    mkdir "$1" && cd "$1" || exit 99
    "$bin" init --source "$2" --target "$3" >/dev/null || exit 99
    "$bin" diff --ndjson >run.ndjson
    local rc=$?
    [ $rc = 0 ] && [ "$(wc -l <run.ndjson)" = 1 ] && ok "$4" ||
        not_ok "$4" "exit $rc" "$(head -5 run.ndjson)"
}
# the last line of a test: the totals, and its exit status
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
# nothing_but_owners: lint.json's errors, and its warnings but rows without an
# owner (test sheets made by init name none): "0 0" when nothing else is wrong
nothing_but_owners() {
    jq -r '"\(.errors) \([.findings[] | select(.severity == "warning" and .code != "no_owner")] | length)"' lint.json
}
