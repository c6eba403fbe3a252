"""Python trafilatura baseline for docs/extraction.md.

Extracts the main text of every page in html.jsonl.gz with trafilatura's
defaults (plain text, no comments), single process, and writes
{"id", "text"} lines for `extract_bench --pred trafilatura-py=FILE`.
Prints pages/s (extraction only; JSON reading is not timed).

    python trafilatura_baseline.py HTML_JSONL_GZ OUT_JSONL [PAGES_JSONL]

With PAGES_JSONL (the reference texts), only the pages that have a reference
`clean` text are extracted and timed: the same pages extract_bench times.
"""
import gzip
import json
import sys
import time

import trafilatura

src, out = sys.argv[1], sys.argv[2]
pages = [json.loads(line) for line in gzip.open(src, "rt", encoding="utf-8")]
if len(sys.argv) > 3:
    with open(sys.argv[3], encoding="utf-8") as f:
        scored = {d["id"] for d in map(json.loads, f) if d.get("clean")}
    pages = [p for p in pages if p["id"] in scored]
# Warm up imports and caches on a few pages.
for p in pages[:5]:
    trafilatura.extract(p["html"])
results = []
start = time.perf_counter()
for p in pages:
    text = trafilatura.extract(p["html"], output_format="txt", include_comments=False)
    results.append({"id": p["id"], "text": text or ""})
elapsed = time.perf_counter() - start
with open(out, "w", encoding="utf-8") as f:
    for r in results:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(json.dumps({"pages": len(pages), "seconds": elapsed, "pages_per_s": len(pages) / elapsed}))
