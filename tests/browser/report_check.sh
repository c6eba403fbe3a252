#!/usr/bin/env bash
# Open a sift run report in headless Chromium and check that it renders: no
# console error (the page's CSP turns any attempt to load an outside resource
# into one), every chart present as SVG with bars in it; save a screenshot.
#
#   tests/browser/report_check.sh [OUTPUT_DIR]
#
# Without OUTPUT_DIR it runs `sift run --report` on the bundled sample first.
# Needs chromium (Debian: apt-get install -y chromium). Artefacts (screenshot,
# DOM, console log) go to $SIFT_CI_ARTIFACTS, default target/ci-artifacts/report.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
art=${SIFT_CI_ARTIFACTS:-$root/target/ci-artifacts}/report
mkdir -p "$art"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
    echo "report_check: chromium not found (apt-get install -y chromium)" >&2
    exit 1
fi

if [ $# -ge 1 ]; then
    out=$1
    if [ ! -f "$out/report.html" ]; then
        (cd "$root" && cargo run -q -p sift-cli -- report "$out")
    fi
else
    out=$work/out
    (cd "$root" && cargo run -q -p sift-cli -- run --quiet --output "$out" --report)
fi
report=$out/report.html
[ -s "$report" ] || { echo "report_check: no report at $report" >&2; exit 1; }

# Run headless Chromium on a file with a fresh profile; extra flags first.
chrome_on() {
    local file=$1
    shift
    local profile
    profile=$(mktemp -d "$work/profile.XXXX")
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 "$@" "file://$file"
}

# Console messages, page errors and CSP violations as Chromium logs them.
console_errors() {
    grep -E 'CONSOLE|Uncaught|Content Security Policy|Refused to' "$1" || true
}

# 1. The console check must be able to fail: a page that throws, and a page
#    that loads an outside image under the report's CSP, must both be caught.
csp=$(grep -o '<meta http-equiv="Content-Security-Policy"[^>]*>' "$report" || true)
[ -n "$csp" ] || { echo "report_check: the report has no Content-Security-Policy" >&2; exit 1; }
printf '%s\n' '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>' \
    '<script>console.error("self-test"); throw new Error("self-test");</script></body></html>' \
    >"$work/throws.html"
printf '<!DOCTYPE html><html><head><meta charset="utf-8">%s</head><body><img src="https://example.invalid/x.png" alt=""></body></html>\n' \
    "$csp" >"$work/fetches.html"
for bad in throws fetches; do
    chrome_on "$work/$bad.html" --dump-dom >/dev/null 2>"$work/$bad.log" || true
    if [ -z "$(console_errors "$work/$bad.log")" ]; then
        echo "report_check: the console check missed the error of the $bad.html self-test; log:" >&2
        cat "$work/$bad.log" >&2
        exit 1
    fi
done

# 2. The report: DOM after load and its console.
chrome_on "$report" --dump-dom >"$art/report.dom.html" 2>"$art/console.log"
errors=$(console_errors "$art/console.log")
if [ -n "$errors" ]; then
    echo "report_check: console errors while rendering the report:" >&2
    echo "$errors" >&2
    exit 1
fi

fail=0
grep -q '</html>' "$art/report.dom.html" || { echo "report_check: DOM dump is incomplete" >&2; fail=1; }
for id in chart-waterfall chart-chars chart-words; do
    if ! grep -q "<svg[^>]*id=\"$id\"" "$art/report.dom.html"; then
        echo "report_check: chart $id missing from the rendered page" >&2
        fail=1
    fi
done
# Reason charts: drawn when something was removed, else the page says so.
for what in "doc:No document was removed" "line:No line was removed"; do
    if ! grep -q "<svg[^>]*id=\"chart-${what%%:*}-reasons\"" "$art/report.dom.html" &&
        ! grep -q "${what#*:}" "$art/report.dom.html"; then
        echo "report_check: neither a ${what%%:*} reasons chart nor its note in the page" >&2
        fail=1
    fi
done
svgs=$(grep -o '<svg' "$art/report.dom.html" | wc -l)
bars=$(grep -o '<rect class="bar' "$art/report.dom.html" | wc -l)
[ "$bars" -gt 0 ] || { echo "report_check: charts have no bars" >&2; fail=1; }
[ "$fail" = 0 ] || exit 1

# 3. Screenshot (tall window: summary, stages, reasons and lengths).
chrome_on "$report" --hide-scrollbars --window-size=1280,3200 \
    --screenshot="$art/report.png" >/dev/null 2>"$work/shot.log"
if [ ! -s "$art/report.png" ]; then
    echo "report_check: no screenshot written" >&2
    cat "$work/shot.log" >&2
    exit 1
fi
cp "$report" "$art/report.html"
echo "report_check: ok: $svgs charts, $bars bars, no console error; screenshot $art/report.png"
