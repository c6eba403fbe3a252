#!/usr/bin/env python3
"""Build tests/data/golden.jsonl.gz: texts with datatrove's words and sentence counts.

    python crates/sift-text/scripts/make_fixture.py \
        --pages PATH/real-pages/pages.jsonl --dev PATH/spam-lines/dev.jsonl \
        --oracle PATH/tools/peer_decisions.py --out crates/sift-text/tests/data/golden.jsonl.gz

Run with the interpreter of a venv that has datatrove 0.10.1 + spaCy 3.8 (the
peer venv). Texts: a window of every real page, of part of the spam dev set,
hand-made tricky strings (tests/data/tricky.jsonl, one JSON string per line)
and random strings from fuzz_vs_spacy.py. Golden words and sentences come
from the oracle's `--dump-tokens`. Deterministic.
"""

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_vs_spacy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WARMUP = ["IS_ALPHA", "IS_ALPHA ."]  # reach datatrove's steady state, see src/lib.rs


def window(text, rng, size):
    """About `size` chars of `text`, starting after a line break when possible."""
    if len(text) <= size:
        return text
    start = rng.randrange(0, len(text) - size)
    nl = text.rfind("\n", 0, start)
    start = nl + 1 if nl >= 0 and start - nl < size // 2 else start
    return text[start : start + size]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--page-chars", type=int, default=700)
    ap.add_argument("--dev-docs", type=int, default=60)
    ap.add_argument("--random", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(20240601)

    docs = []
    with open(args.pages, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.append(("page/" + d["id"], window(d["text"], rng, args.page_chars)))
    with open(args.dev, encoding="utf-8") as f:
        dev = [json.loads(line) for line in f]
    for d in rng.sample(dev, args.dev_docs):
        docs.append(("dev/" + d["id"], window(d["text"], rng, args.page_chars)))
    tricky = os.path.join(HERE, "..", "tests", "data", "tricky.jsonl")
    with open(tricky, encoding="utf-8") as f:
        for i, line in enumerate(f):
            docs.append((f"tricky/{i + 1}", json.loads(line)))
    frng = random.Random(7)
    for i in range(args.random):
        t = fuzz_vs_spacy.rand_text(frng)
        if "IS_ALPHA" not in t:
            docs.append((f"random/{i}", t))

    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        tok = os.path.join(tmp, "tok.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for i, w in enumerate(WARMUP):
                f.write(json.dumps({"id": f"warmup/{i}", "text": w}) + "\n")
            for id_, text in docs:
                f.write(json.dumps({"id": id_, "text": text}) + "\n")
        subprocess.run([sys.executable, args.oracle, inp, "gopher_quality", "--dump-tokens", tok],
                       check=True, stdout=subprocess.DEVNULL)
        gold = {}
        with open(tok, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                gold[d["id"]] = d
    # No file name or time in the gzip header: the output is byte-reproducible.
    with open(args.out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        for id_, text in docs:
            g = gold[id_]
            rec = {"id": id_, "text": text, "words": g["words"], "n_sentences": len(g["sentences"])}
            gz.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"{len(docs)} documents -> {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
