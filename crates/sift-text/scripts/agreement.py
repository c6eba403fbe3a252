#!/usr/bin/env python3
"""Measure how often sift-text agrees with datatrove's tokenizer, document by document.

    python crates/sift-text/scripts/agreement.py GOLDEN.jsonl OURS.jsonl [--show N]

GOLDEN: `peer_decisions.py IN.jsonl gopher_quality --dump-tokens GOLDEN.jsonl`
(lines `{"id", "words", "sentences"}`); OURS: `examples/tokenize_jsonl` on the
same IN.jsonl. Prints documents with identical word lists, identical sentence
counts, and the first differences. Needs only the standard library.
"""

import argparse
import json


def load(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out[json.dumps(d["id"])] = d
    return out


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("golden")
    ap.add_argument("ours")
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args()
    gold, ours = load(args.golden), load(args.ours)
    missing = [k for k in gold if k not in ours]
    words_ok = sents_ok = 0
    tok_total = tok_diff_docs = 0
    shown = 0
    for k, g in gold.items():
        o = ours.get(k)
        if o is None:
            continue
        gw, ow = g["words"], o["words"]
        tok_total += len(gw)
        if gw == ow:
            words_ok += 1
        else:
            tok_diff_docs += 1
            if shown < args.show:
                i = first_diff(gw, ow)
                print(f"words {k}: first diff at token {i}:")
                print("   datatrove:", gw[max(0, i - 3) : i + 4])
                print("   sift:     ", ow[max(0, i - 3) : i + 4])
                shown += 1
        if len(g["sentences"]) == o["n_sentences"]:
            sents_ok += 1
        elif shown < args.show:
            print(f"sentences {k}: datatrove {len(g['sentences'])}, sift {o['n_sentences']}")
            shown += 1
    n = len(gold) - len(missing)
    print(f"documents: {n} ({len(missing)} missing), datatrove tokens: {tok_total}")
    print(f"identical word lists:      {words_ok}/{n} = {100.0 * words_ok / max(n, 1):.2f} %")
    print(f"identical sentence counts: {sents_ok}/{n} = {100.0 * sents_ok / max(n, 1):.2f} %")


if __name__ == "__main__":
    main()
