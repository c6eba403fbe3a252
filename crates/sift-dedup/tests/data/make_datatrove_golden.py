#!/usr/bin/env python3
"""Golden MinHash data from datatrove 0.10.1 for sift-dedup's parity tests.

Usage (from the repo root, with a venv that has datatrove + spaCy):
    PEER_VENV/bin/python crates/sift-dedup/tests/data/make_datatrove_golden.py \
        PAGES.jsonl > crates/sift-dedup/tests/data/datatrove_minhash.jsonl

For a fixed selection of real pages (every 6th non-synthetic page, text cut
to 1,500 characters at a line end) plus hand-written edge cases, writes one
JSON line: {"text", "simplified", "tokens", "signature"} where `simplified`
is datatrove's simplify_text, `tokens` its English word tokens of that, and
`signature` the 112 MinHash values (null: fewer than 5 tokens) computed by
MinhashDedupSignature with MinhashConfig() defaults.
"""
import json
import sys

from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.text import simplify_text

EDGE = [
    "Hello, World! It's 3,5 or 1.000.000 (approx) -- isn't it?",
    "Café Müller: naïve façade; 한국어 텍스트 and ＡＢＣ１２３ full-width!",
    "The U.S.A. can't, won't and shouldn't; gonna cannot wanna e-mail foo@bar.com",
    "Tabs\tand\u00a0non-breaking\u2003spaces\u2028line sep\u001cfile sep mixed up here",
    "१२३ Devanagari digits ٣٫٥ Arabic decimal ⎖ weird ١٢٣٤ and more words here",
    "“Quoted” ‘single’ «guillemets» — dashes – and … ellipsis ► arrows ━ box",
    "short text",
    "",
    "Ångström ΣΊΣΥΦΟΣ ΟΔΥΣΣΕΥΣ final sigma test with enough tokens here",
    "İstanbul DİYARBAKIR ǅemal ß straße ﬁne ligature and more tokens to hash",
]


def main():
    pages = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("synthetic_fixture") or not r.get("text"):
                continue
            pages.append(r["text"])
    texts = []
    for i, t in enumerate(pages):
        if i % 6:
            continue
        if len(t) > 1200:
            cut = t.rfind("\n", 0, 1200)
            t = t[: cut if cut > 200 else 1200]
        texts.append(t)
    texts.extend(EDGE)
    sig = MinhashDedupSignature(output_folder="/tmp/unused-minhash-golden", config=MinhashConfig())
    for t in texts:
        simple = simplify_text(t, sig.config.norm_config)
        tokens = sig.word_tokenizer.word_tokenize(simple)
        shingles = sig.get_shingles(t)
        signature = None
        if shingles.size:
            signature = [v for band in sig.get_signature(shingles) for v in band]
        print(json.dumps({"text": t, "simplified": simple, "tokens": tokens, "signature": signature},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
