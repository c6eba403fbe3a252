#!/usr/bin/env bash
# parity.sh — decision parity of sift's datatrove-compatible filters against
# datatrove 0.10.1 itself (the oracle: shared/tools/peer_decisions.py).
#
# Not part of CI. Runs both on the same documents and prints agreement per
# filter and every disagreement:
#   - shared/data/real-pages/pages.jsonl (`text`, `url`)
#   - shared/data/spam-lines/dev.jsonl
#   - 20 MB of `make_bench_corpus.py` output (seeded, deterministic)
#
# Usage: conformance/parity.sh [WORKDIR]        (default WORKDIR: ../sift-parity next to the repo)
# Env:   PEER_VENV  oracle virtualenv (default ../peer-venv next to the repo; created if missing,
#                   as the oracle's header says: PyPI only)
#        SHARED     the shared/ folder (default: ../shared next to the repo)
#        BENCH_MB   size of the generated corpus (default 20)
#        FILTERS    oracle filter names (default: all seven)
#        SIFT       sift binary (default: built here with cargo, release)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(cd "$repo/.." && pwd)/sift-parity}"
shared="${SHARED:-$(cd "$repo/.." && pwd)/shared}"
default_venv="$(cd "$repo/.." && pwd)/peer-venv"
venv="${PEER_VENV:-$default_venv}"
bench_mb="${BENCH_MB:-20}"
filters="${FILTERS:-gopher_quality gopher_repetition c4 fineweb url c4_badwords language}"
mkdir -p "$work"

# 1. Oracle virtualenv (outside the repo).
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import datatrove, spacy, fasttext' 2>/dev/null; then
    if [ -d "$venv" ] && [ ! -e "$venv/.ready" ] && [ "$venv" = "$default_venv" ]; then
        echo "waiting for $venv/.ready (being created by someone else)..." >&2
        for _ in $(seq 120); do [ -e "$venv/.ready" ] && break; sleep 10; done
    fi
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import datatrove, spacy, fasttext' 2>/dev/null; then
    echo "creating oracle virtualenv at $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'datatrove==0.10.1' 'spacy==3.8.*' 'xxhash<4' 'tldextract==5.4.0' \
        pyahocorasick fasteners requests aiohttp fasttext-numpy2-wheel
    touch "$venv/.ready"
fi
"$venv/bin/python" -c 'import datatrove, spacy, tldextract; print("oracle: datatrove", datatrove.__version__ if hasattr(datatrove, "__version__") else "?", "spacy", spacy.__version__, "tldextract", tldextract.__version__)' >&2

# 2. sift.
if [ -z "${SIFT:-}" ]; then
    (cd "$repo" && cargo build -q --release -p sift-cli)
    SIFT="$repo/target/release/sift"
fi

# 3. datatrove's 4.5 M-domain block list, from the oracle's own wheel.
domains="$work/url_domains"
if [ ! -s "$domains" ]; then
    "$venv/bin/python" - "$domains" <<'PY'
import sys, tarfile, os
from datatrove.utils._import_utils import ASSETS_PATH
with tarfile.open(os.path.join(ASSETS_PATH, "url_filterblacklistsv0_3_0.tar.gz")) as t:
    with open(sys.argv[1], "wb") as out:
        out.write(t.extractfile("domains").read())
PY
fi

# 4. Inputs.
cp "$shared/data/real-pages/pages.jsonl" "$work/pages.jsonl"
cp "$shared/data/spam-lines/dev.jsonl" "$work/spam_dev.jsonl"
if [ ! -s "$work/bench.jsonl" ]; then
    python3 "$shared/data/make_bench_corpus.py" "$bench_mb" --out "$work/bench.jsonl" >&2
fi

badwords="$repo/crates/sift-filters/data/ldnoobw/en"
lid="$repo/crates/sift-lid/model/lid.176.ftz"
sets=()
for f in $filters; do sets+=(-f "$f"); done

for set in pages spam_dev bench; do
    in="$work/$set.jsonl"
    if [ ! -s "$work/$set.oracle.jsonl" ]; then
        echo "oracle: $set" >&2
        # shellcheck disable=SC2086
        "$venv/bin/python" "$shared/tools/peer_decisions.py" "$in" $filters --emit-text \
            --badwords-en "$badwords" --lid-model "$lid" -o "$work/$set.oracle.jsonl.tmp"
        mv "$work/$set.oracle.jsonl.tmp" "$work/$set.oracle.jsonl"
    fi
    echo "sift: $set" >&2
    "$SIFT" decisions "${sets[@]}" --emit-text --set "url.domain_files=[\"$domains\"]" "$in" \
        > "$work/$set.sift.jsonl"
done

python3 "$repo/conformance/compare_decisions.py" --work "$work" pages spam_dev bench
