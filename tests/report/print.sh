#!/bin/bash
# The acceptance report as a document to sign, on the demo after a short
# hypercare session (cutover watch, a round a second): its charts carry every
# round (a line, not one point), with local times and human units; rendered
# in headless Chromium with its print CSS at an A4 page's width, the verdict
# heads it, every chart has its line (or a dot for a signal sampled once) and
# nothing is wider than the page; printed to PDF, its pages are A4. Needs no
# PostgreSQL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin=${CUTOVER_BIN:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cutover-print.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
"$bin" demo demo </dev/null >/dev/null 2>&1 || exit 99
cd demo || exit 99

"$bin" watch --for 6s --interval 1s >watch.out 2>&1
rounds=$(grep -c ' round ' watch.out)
[ "$rounds" -ge 3 ] || { echo "watch: only $rounds rounds" >&2; exit 99; }
"$bin" report --format json -o report.json || exit 99
check "every round of a short session is a point of its charts" "$rounds $rounds" \
    "$(jq -r '[.hypercare.charts[] | select(.signal == "missing" or .signal == "latency") | .points | length] | join(" ")' report.json)"

TZ=Europe/Paris "$bin" report --format html -o report.html || exit 99
first=$(jq -r '.hypercare.charts[] | select(.signal == "missing") | .points[0].t' report.json)
check "the time axis in local time, to the second with its zone" \
    "$(TZ=Europe/Paris date -d "$first" '+%Y-%m-%d %H:%M:%S %Z')" \
    "$(sed -n '/data-signal="missing"/,/<\/svg>/p' report.html | grep -o '<text x="4" y="136">[^<]*' | sed 's/.*>//')"
check "… values in human units: latency as a duration, not milliseconds" "1" \
    "$(sed -n '/data-signal="latency"/,/<\/svg>/p' report.html | grep -cE '>max [0-9]+(ms|s)<')"

if ! command -v chromium >/dev/null; then
    not_ok "headless Chromium renders the report" "chromium is not installed (Debian package chromium)"
else
    chrome() {
        chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
            --disable-component-update --disable-sync --user-data-dir="$work/chromium" "$@" 2>>chromium.log
    }
    # the page with its print rules applied on screen, measured at an A4 page's
    # width inside its margins (210 mm − 24 mm at 96 px an inch: 703 px)
    cat >measure.js <<'E'
for (const sheet of document.styleSheets)
    for (const rule of sheet.cssRules)
        if (rule.media && rule.media.mediaText === 'print') rule.media.mediaText = 'all';
const lines = [...document.querySelectorAll('svg.chart polyline.line')];
// a line of two points or more, or a dot for a signal sampled once
const pts = lines.map(l => l.parentNode.querySelector('circle.dot') ? 2
                           : l.getAttribute('points').trim().split(/\s+/).length);
const verdict = [...document.querySelectorAll('h2')].map(h => h.textContent).find(t => t.startsWith('Verdict'));
const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5);
document.title = 'RESULT ' + verdict + '|' + lines.length + '|' + Math.min(...pts) + '|' +
    (document.documentElement.scrollWidth > innerWidth ? 'overflow' : 'fits') + '|' + wide.length;
E
    sed "s|</body></html>|<script src=\"file://$work/demo/measure.js\"></script></body></html>|" report.html >measured.html
    result=$(chrome --window-size=703,2000 --allow-file-access-from-files --dump-dom "file://$work/demo/measured.html" |
        grep -o '<title>RESULT [^<]*' | sed 's/<title>RESULT //')
    charts=$(grep -c '<svg class="chart"' report.html)
    check "Chromium, print rules at A4 width: the verdict first, every chart drawn with its points, nothing wider than the page" \
        "Verdict: NO-GO|$charts|ok|fits|0" \
        "$(awk -F'|' -v OFS='|' '{ $3 = ($3 >= 2 ? "ok" : "only " $3 " points") } 1' <<<"$result")"
    chrome --no-pdf-header-footer --print-to-pdf="$work/demo/report.pdf" "file://$work/demo/report.html"
    check "… printed to PDF: A4 pages" "A4" \
        "$(grep -ao '/MediaBox \[[^]]*\]' report.pdf | sort -u | awk '{ w = $4 + 0; h = $5 + 0; print (w > 594 && w < 596 && h > 841 && h < 843) ? "A4" : $0 }' | sort -u | tr '\n' ' ' | sed 's/ $//')"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
