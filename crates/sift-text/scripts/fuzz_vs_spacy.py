#!/usr/bin/env python3
"""Differential fuzzing of sift-text against datatrove/spaCy on random strings.

    cargo build --release -p sift-text --example tokenize_jsonl
    python crates/sift-text/scripts/fuzz_vs_spacy.py --n 20000 --seed 1 \
        --bin target/release/examples/tokenize_jsonl [--save failures.jsonl]
    ... --urls --n 20000             URL-like strings
    ... --all-chars                  every code point in 20 contexts (~1.1M texts, ~20 CPU-min)

Needs datatrove + spaCy (the peer venv). Strings are built from fragments that
exercise every rule: exception strings, emoticons, URLs, units, currency,
quotes, dots, hyphens, every punctuation class, random code points from all
planes and every kind of whitespace. Prints the agreement and the first failures.
"""

import argparse
import json
import random
import subprocess
import sys

import spacy
from datatrove.utils.text import split_into_sentences, split_into_words

nlp = spacy.blank("en")
# Reach datatrove's steady state for the token IS_ALPHA (see src/lib.rs POISON).
split_into_words("IS_ALPHA")
split_into_words("IS_ALPHA .")
RULES = sorted(nlp.tokenizer.rules)

FRAGS = (
    "the a I you it 's 'S ’s n't can't don't won't I'm gonna cannot Dr. Mr. U.S. U.S.A. a.m. p.m. "
    "10am 5pm 3p.m. e.g. i.e. etc. vs. Inc. Ltd. St. No. Jan. Sept. and/or w/o o'clock ma'am lovin' "
    "C++ :) :-) ;) :( :D xD <3 </3 ^_^ -_- o.O ಠ_ಠ ¯\\(ツ)/¯ (: :') :P 8) =) "
    "http://example.com https://www.foo.org/a?b=c#d www.bar.co.uk foo@bar.com mailto:x@y.io "
    "1.2.3.4 10.0.0.1 192.168.1.1 example.com:8080 ftp://a.b/c user:pw@host.com "
    "5km 3kg 10m 2m² 4GB 100% 5$ $5 US$5 C$ €10 10€ £ ¥ ₹ 5mph 7km/h 3°C 3°C. °F. 20° "
    "1+2 3-4 5*6 2^3 1-2-3 a-b a--b a---b a—b a–b a~b a,b a:b a/b a=b a<b a>b A.B a.B a.b "
    "... .. …… … !? ?! !!! ?? ;; :: -- --- —— ( ) [ ] { } < > \" ' ` ‘ ’ “ ” « » „ ‚ 「 」 『 』 【 】 "
    "《 》 〈 〉 （ ） ⟦ ⟧ ¿ ¡ ؟ ، ۔ ؛ ٪ 。 ？ ！ ， 、 ； ： ～ · । § % = + # * & _ @ | \\ ^ ~ "
    "中文 日本語 한국어 العربية русский Ελληνικά עברית हिन्दी ไทย Ünïcödé ß ǅ IS_ALPHA"
).split(" ")
WS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\u3000", "\u2028", "\x1c", "\x1f", " \n ", "\x85"]
PUNCTISH = ".,;:!?'\"()[]{}<>-–—…/\\|@#$%^&*_+=~`°²³µ·•"


def rand_cp(rng):
    r = rng.random()
    if r < 0.5:
        return chr(rng.randrange(0x20, 0x250))
    if r < 0.8:
        return chr(rng.choice([rng.randrange(0x250, 0x3000), rng.randrange(0x3000, 0xD800),
                               rng.randrange(0xE000, 0x10000)]))
    return chr(rng.randrange(0x10000, 0x32000))


def rand_piece(rng):
    r = rng.random()
    if r < 0.35:
        return rng.choice(FRAGS)
    if r < 0.55:
        return rng.choice(RULES)
    if r < 0.75:
        return rng.choice(PUNCTISH)
    if r < 0.85:
        return str(rng.randrange(0, 1000))
    return "".join(rand_cp(rng) for _ in range(rng.randrange(1, 4)))


def rand_text(rng):
    parts = []
    for _ in range(rng.randrange(1, 12)):
        # glue pieces without space often, so affixes pile up inside one chunk
        parts.append(rand_piece(rng))
        if rng.random() < 0.45:
            parts.append(rng.choice(WS))
    return "".join(parts)


def rand_url(rng):
    """URL-like strings around the edges of URL_MATCH (IPs, label/tld lengths, ports)."""
    def label():
        n = rng.choice([0, 1, 2, 3, 5, 62, 63, 64, 65])
        alpha = "abcXYZ019_-é中" + ("@.:" if rng.random() < 0.05 else "")
        return "".join(rng.choice(alpha) for _ in range(n))
    parts = []
    if rng.random() < 0.3:
        parts.append(rng.choice(["http://", "https://", "ftp://", "a+b.c-d://", "x://", "h://"]))
    if rng.random() < 0.2:
        parts.append(rng.choice(["user@", "u:p@", "@", "a@b@", "x:@"]))
    if rng.random() < 0.4:
        octs = [rng.choice([str(rng.randrange(0, 300)), "0", "00", "010", "255", "256", "223", "224",
                            "10", "127", "169", "254", "192", "168", "172", "16", "31", "32", "٣"])
                for _ in range(rng.choice([3, 4, 4, 4, 5]))]
        parts.append(".".join(octs))
    else:
        parts.append(".".join(label() for _ in range(rng.randrange(1, 4))))
        parts.append("." + "".join(rng.choice("abcdezé中Aß1𠀀") for _ in range(rng.choice([1, 2, 3, 63, 64]))))
    if rng.random() < 0.3:
        parts.append(":" + "".join(rng.choice("0123456789٣") for _ in range(rng.randrange(0, 8))))
    if rng.random() < 0.3:
        parts.append(rng.choice("/?#") + rng.choice(["", "a/b", "x?y=1", ".", "@", ":"]))
    return "".join(parts)


CONTEXTS = ["{c}", "a{c}", "{c}a", "5{c}", "a{c}b", "A{c}B", "5{c}5", "{c}.", "x{c}.", "X{c}.",
            "a.{c}", "({c})", "{c}{c}", "{c}s", "'{c}", "{c}'s", "1.{c}", "{c}:)", "w.{c}{c}", "x@y.{c}{c}"]


def all_chars_texts():
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        yield " ".join(ctx.format(c=c) for ctx in CONTEXTS) + " end." + c + "\n" + c + "? x"


def known(t, ours, words):
    """IS_ALPHA inside a longer token: datatrove removes it, a slice cannot."""
    return "IS_ALPHA" in t and [w.replace("IS_ALPHA", "") for w in ours] == words


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--save")
    ap.add_argument("--show", type=int, default=15)
    ap.add_argument("--all-chars", action="store_true", help="every code point in fixed contexts")
    ap.add_argument("--urls", action="store_true", help="URL-like strings")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.all_chars:
        texts = all_chars_texts()
    elif args.urls:
        texts = (" ".join(rand_url(rng) for _ in range(5)) for _ in range(args.n))
    else:
        texts = (rand_text(rng) for _ in range(args.n))
    bad = []
    n_known = 0
    args.n = 0
    while True:
        batch = [t for _, t in zip(range(20000), texts)]
        if not batch:
            break
        args.n += len(batch)
        inp = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(batch))
        res = subprocess.run([args.bin], input=inp.encode(), capture_output=True, check=True)
        ours = [json.loads(line) for line in res.stdout.decode().splitlines()]
        for t, o in zip(batch, ours):
            w = split_into_words(t)
            s = len(split_into_sentences(t))
            if s == o["n_sentences"] and w != o["words"] and known(t, o["words"], w):
                n_known += 1
            elif w != o["words"] or s != o["n_sentences"]:
                bad.append({"text": t, "words": w, "sentences": s, "ours": o["words"],
                            "ours_sentences": o["n_sentences"]})
    ok = args.n - len(bad) - n_known
    print(f"{ok}/{args.n} agree ({100.0 * ok / args.n:.3f} %), {n_known} known IS_ALPHA divergences")
    for b in bad[: args.show]:
        print(json.dumps(b, ensure_ascii=False))
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            for b in bad:
                f.write(json.dumps(b, ensure_ascii=False) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
