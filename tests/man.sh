#!/bin/bash
# The man page: it renders without a warning, documents every command the
# binary offers and every key of the dashboard's key tables (the tables that
# dispatch the keys and draw the help), and `make install` puts it in man1.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=${CUTOVER_BIN:?}
src=${CUTOVER_SRCDIR:?}
page=$src/docs/cutover.1
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-man.XXXXXX")
trap 'rm -rf "$work"' EXIT

check "groff renders it without a warning" "" "$(groff -man -Tascii -ww -z "$page" 2>&1)"
text=$(groff -man -Tascii "$page" 2>/dev/null | col -b)

# every command of `cutover --help` has its own subsection
missing=
for c in $("$bin" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
    grep -q "^\.SS $c\b" "$page" || missing="$missing $c"
done
check "every command is documented" "" "$missing"
check "… and the page has as many commands as the binary" \
    "$("$bin" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF' | wc -l)" \
    "$(sed -n '/^\.SH COMMANDS/,/^\.SH THE PLAN/p' "$page" | grep -c '^\.SS')"

# every key label of the key tables: rows that start with a key, not a string
# (those are column tables); the label is the first string of the row
labels=$(grep -ho '^    { [^"][^"]*"[^"]*"' "$src"/tui/*.c "$src"/panels/*.c |
         sed -E 's/.*"([^"]*)"$/\1/' | sort -u)
missing=
while IFS= read -r k; do
    [ -z "$k" ] && continue
    grep -qE "^ {7}$(sed 's/[][\.*^$/+?(){}|]/\\&/g' <<<"$k")( |$)" <<<"$text" || missing="$missing '$k'"
done <<<"$labels"
check "every key of the dashboard is documented" "" "$missing"
check "… and there are keys to check (the tables were read)" true "$([ "$(wc -l <<<"$labels")" -ge 30 ] && echo true)"

for section in "EXIT STATUS" FILES "THE PLAN" "THE MAPPING SHEET"; do
    grep -q "^\.SH $section" "$page" && ok "section $section" || not_ok "section $section"
done
check "the exit codes are those of --help" "0 1 2 3" \
    "$(sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$page" | grep -A1 '^\.TP' | grep -E '^\.B [0-9]$' | awk '{ printf "%s%s", sep, $2; sep = " " }')"

# make install puts it where man finds it
make -s -C "$(dirname "$bin")" install-man DESTDIR="$work/inst" >/dev/null 2>&1
found=$(find "$work/inst" -path '*/man/man1/cutover.1' | head -1)
check "make install installs cutover(1)" "same" "$([ -n "$found" ] && cmp -s "$found" "$page" && echo same)"

finish
