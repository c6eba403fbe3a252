#!/usr/bin/env bash
# fetch_url_domains.sh OUT — write datatrove 0.10.1's URL-filter domain block
# list (4,558,940 domains, 123 MB; derived from the UT1 blacklists, CC BY-SA 4.0)
# to OUT, taken from datatrove's wheel on PyPI. Point the `url_blocklist`
# stage's `domain_files` at OUT (plain text, or compress it: `zstd OUT`).
set -euo pipefail
out="${1:?usage: fetch_url_domains.sh OUT}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download -q --no-deps --only-binary :all: -d "$tmp" 'datatrove==0.10.1'
python3 - "$tmp" "$out" <<'PY'
import glob, io, sys, tarfile, zipfile
tmp, out = sys.argv[1], sys.argv[2]
(wheel,) = glob.glob(f"{tmp}/datatrove-0.10.1-*.whl")
with zipfile.ZipFile(wheel) as z:
    blob = z.read("datatrove/assets/url_filterblacklistsv0_3_0.tar.gz")
with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as t:
    data = t.extractfile("domains").read()
with open(out, "wb") as fh:
    fh.write(data)
n = data.count(b"\n") + 1
print(f"{out}: {n} domains")
PY
