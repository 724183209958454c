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
# the last line of a test: the totals, and its exit status
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
