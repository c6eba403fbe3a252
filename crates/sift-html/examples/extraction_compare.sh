#!/usr/bin/env bash
# Python trafilatura and sift's extractors on the same pages, one after the
# other on the same machine, one thread each; prints the load, the table and
# F1 per page set. See docs/extraction.md.
#
#   crates/sift-html/examples/extraction_compare.sh REAL_PAGES_DIR [PYTHON] [REPEAT]
#
# PYTHON is a Python with trafilatura installed (default ../traf-venv/bin/python, next to the repository).
set -euo pipefail
pages=${1:?real-pages directory}
python=${2:-../traf-venv/bin/python}
repeat=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
pred=$(mktemp --suffix=.jsonl)
trap 'rm -f "$pred"' EXIT
cargo build --release -p sift-html --features trafilatura --example extract_bench
bench=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/examples/extract_bench
date -u
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" -c 'import trafilatura, lxml; print("trafilatura", trafilatura.__version__, "lxml", lxml.__version__)'
echo "python trafilatura: $("$python" "$here/trafilatura_baseline.py" "$pages/html.jsonl.gz" "$pred" "$pages/pages.jsonl")"
"$bench" --html "$pages/html.jsonl.gz" --gold "$pages/pages.jsonl" --repeat "$repeat" \
    --extractor density,readability,trafilatura --pred "trafilatura-py=$pred" 2>&1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
