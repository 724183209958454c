# Sourced by the screen tests (tests/screen/*.sh), after which the test is in a
# temporary folder of its own ($work, removed on exit) with a tmux server of
# its own (T runs tmux on its socket; killed on exit). The real binary runs in
# tmux at fixed sizes, keys are sent with send-keys and the screen is read with
# capture-pane, then compared with exact text (expect_text …) or whole with a
# golden file (golden). Waits poll the screen with generous time limits;
# nothing here times how fast cutover is.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
tests=${CUTOVER_SRCDIR:?}/tests
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-screen.XXXXXX") || exit 99
work=$(cd "$work" && pwd -P)  # as /proc/PID/cwd gives it (pids_in)
sock=cutover-screen-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
command -v tmux >/dev/null || { echo "tmux is not installed (Debian package tmux)"; exit 99; }
cd "$work" || exit 99
# a session kept for as long as the test runs: tmux's server ends with its last
# session, and a session started while it ends would fail
T new-session -d -s keep -x 80 -y 24 "sleep 3600" || exit 99

# make_demo: the demo in demo/ and an untouched copy of it in pristine/
make_demo() { "$bin" demo demo >/dev/null && cp -r demo pristine || exit 99; }
# start NAME WIDTH HEIGHT DIR [ENV…]: the dashboard in DIR, in its own tmux session
start() {
    local name=$1 w=$2 h=$3 dir=$4
    shift 4
    T new-session -d -s "$name" -x "$w" -y "$h" \
        "cd '$dir' && env LANG=C.UTF-8 TERM=xterm-256color $* '$bin'; echo EXIT=\$?; sleep 600"
}
screen() {  # the screen of a session, the clock masked
    T capture-pane -p -t "$1" | sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2} *$/hh:mm:ss/'
}
wait_for() {  # wait_for SESSION TEXT [SECONDS]: until the screen shows TEXT (20 s at most)
    for _ in $(seq $((${3:-20} * 10))); do
        screen "$1" | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    return 1
}
expect_text() {  # expect_text NAME SESSION TEXT [SECONDS]
    if wait_for "$2" "$3" "${4:-20}"; then ok "$1"; else not_ok "$1" "screen lacks: $3" "$(screen "$2")"; fi
}
expect_no_text() {  # expect_no_text NAME SESSION TEXT: the screen, now, lacks TEXT
    if screen "$2" | grep -qF -- "$3"; then not_ok "$1" "screen shows: $3"; else ok "$1"; fi
}
expect_match() {  # expect_match NAME SESSION REGEX: until a line of the screen matches REGEX
    for _ in $(seq 200); do
        screen "$2" | grep -qE -- "$3" && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "screen lacks a match for: $3" "$(screen "$2")"
}
expect_gone() {  # expect_gone NAME SESSION TEXT: until the screen no longer shows TEXT (20 s at most)
    for _ in $(seq 200); do
        screen "$2" | grep -qF -- "$3" || { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "screen still shows: $3" "$(screen "$2")"
}
eventually() {  # eventually NAME EXPECTED COMMAND…: until COMMAND prints EXPECTED (20 s at most)
    local out
    for _ in $(seq 200); do
        out=$("${@:3}")
        [ "$out" = "$2" ] && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "expected: $2" "actual:   $out"
}
keys() { T send-keys -t "$@"; sleep 0.2; }
dash_pid() {  # dash_pid SESSION: the pid of the dashboard in a session (its pane's shell's child)
    pgrep -P "$(T list-panes -t "$1" -F '#{pane_pid}')" -x cutover
}
# pids_in DIR PATTERN: the processes matching PATTERN (pgrep -f) that run in $work/DIR
# (a step's command runs in its plan's folder), so that no other test's are touched
pids_in() {
    local p
    for p in $(pgrep -f -- "$2"); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$work/$1" ] && echo "$p"
    done
}

# --- golden screens ------------------------------------------------------------------
# mask: what varies between runs made constant: the header's clock, timestamps
# (the timeline's), the MS column of the live figures (each table's poll took so
# long), durations in ms or with a fraction, this test's temporary folder, ports
mask() {
    LC_ALL=C.UTF-8 sed -E -e 's/[0-9]{2}:[0-9]{2}:[0-9]{2} *$/hh:mm:ss/' \
        -e 's/^(.[^ ]+ +[0-9]+ +[0-9]+ +[-+]?[0-9]+ +(ahead )?[^ ]+ +[^ ]+) [ 0-9]{4}[0-9]( [▁▂▃▄▅▆▇█])/\1     *\3/' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z?/YYYY-MM-DDThh:mm:ss/g' \
        -e 's/\b[0-9]+(\.[0-9]+)?ms\b/Nms/g; s/\b[0-9]+\.[0-9]+s\b/N.Ns/g' \
        -e "s|$work|WORK|g" \
        -e 's/(127\.0\.0\.1|localhost):[0-9]+/\1:PORT/g; s/port=[0-9]+/port=PORT/g'
}
# golden NAME SESSION FILE: the whole screen of SESSION, masked, is FILE (a path under
# tests/) within 10 s. With CUTOVER_UPDATE_GOLDEN=1 it writes FILE instead, once the
# screen has stayed the same for half a second, and says so.
golden() {
    local file=$tests/$3
    if [ "${CUTOVER_UPDATE_GOLDEN:-}" = 1 ]; then
        : >golden.last
        for _ in $(seq 20); do
            screen "$2" | mask >golden.now
            cmp -s golden.now golden.last && break
            cp golden.now golden.last
            sleep 0.5
        done
        mv golden.now "$file"
        echo "CUTOVER_UPDATE_GOLDEN=1: wrote tests/$3"
        ok "$1 (written, not compared)"
        return
    fi
    for _ in $(seq 100); do
        screen "$2" | mask | diff -u "$file" - >golden.diff && { ok "$1"; return; }
        sleep 0.1
    done
    not_ok "$1" "screen differs from tests/$3 (CUTOVER_UPDATE_GOLDEN=1 rewrites it):" "$(head -60 golden.diff)"
}

# --- shared set-ups ------------------------------------------------------------------
# the message when another process keeps the workspace locked past 5 s while cutover writes
locked=".cutover/state.db: cannot record: another process has kept the workspace locked for more than 5 s"
# runbook_dir DIR LINE…: in DIR a SQLite pair whose table t is alike on both sides, these
# lines added to its plan; its dashboard in session DIR (130x36) on panel 4, zoomed
runbook_dir() {
    local dir=$1
    shift
    mkdir "$dir" && sqlite3 "$dir/src.db" "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
        INSERT INTO t VALUES (1, 'a'), (2, 'b')" && cp "$dir/src.db" "$dir/tgt.db" &&
        (cd "$dir" && "$bin" init --source sqlite:src.db --target sqlite:tgt.db >/dev/null &&
         printf '%s\n' "$@" >>cutover.ini) || exit 99
    start "$dir" 130 36 "$work/$dir"
    wait_for "$dir" "src ● tgt ●"
    keys "$dir" 4 z
}
