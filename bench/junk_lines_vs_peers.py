#!/usr/bin/env python3
"""Line-level junk removal: sift `junk_lines` vs C4's and FineWeb's line rules.

Scores every method on a labelled spam-lines file (records with `text`, `sep`
and `lines: [{text, junk, kind}]`, see shared/data/README.md) with the same
counting as `sift eval lines`: a labelled line is removed if the method
removed it, or if the method dropped the whole document (drops are also
reported on their own).

Methods
  sift junk_lines     `sift eval lines FILE --json --pipeline <junk_lines only>`
  sift default        `sift eval lines FILE --json --preset default`
                      (junk_lines + spin + placeholders + min_words 50)
  C4 (datatrove)      C4QualityFilter() with default settings, through
                      shared/tools/peer_decisions.py --emit-text: a line is kept
                      iff it survives in `text_after`; documents C4 drops
                      (too_few_sentences, curly_bracket, lorem_ipsum) lose
                      every line.
  C4 line rules only  the same filter's kept lines, ignoring its document drops
                      (what C4's line rules alone remove).
  FineWeb (datatrove) FineWebQualityFilter() has no line removal: it keeps or
                      drops whole documents (line_punct_ratio, short_line_ratio,
                      char_dup_ratio, list_ratio). A dropped document loses every
                      line, a kept one none.
  FineWeb line rules  FineWeb's two line-level criteria applied to each line
                      instead of as document ratios: a line is removed when it
                      does not end in datatrove's TERMINAL_PUNCTUATION or is at
                      most 30 characters long.

Usage (from the repository root; needs the datatrove venv):
  cargo build --release -p sift-cli
  python3 bench/junk_lines_vs_peers.py ../shared/data/spam-lines/dev.jsonl \
      --venv PEER_VENV --peer-tool ../shared/tools/peer_decisions.py \
      --sift target/release/sift [--markdown]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def line_indices(rec):
    """Index of each labelled line in text.split('\\n')."""
    phys = rec["text"].split("\n")
    out, cur = [], 0
    for l in rec["lines"]:
        while phys[cur] != l["text"]:
            cur += 1
        out.append(cur)
        cur += 1
    return out


def score(name, recs, removed_fn, note=""):
    """removed_fn(rec) -> (set of removed labelled-line positions, dropped: bool)."""
    tp = fp = fn = real = 0
    hs_total = hs_removed = 0
    kinds = {}
    dropped = 0
    free = free_touched = 0
    for rec in recs:
        removed, drop = removed_fn(rec)
        dropped += drop
        touched = False
        for j, l in enumerate(rec["lines"]):
            gone = drop or j in removed
            touched |= gone
            if l["junk"]:
                k = kinds.setdefault(l["kind"], [0, 0])
                k[0] += 1
                k[1] += gone
                tp += gone
                fn += not gone
            else:
                real += 1
                fp += gone
                if l["kind"] in ("heading", "short"):
                    hs_total += 1
                    hs_removed += gone
        if not any(l["junk"] for l in rec["lines"]):
            free += 1
            free_touched += touched
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "method": name, "note": note, "precision": p, "recall": r, "f1": f1,
        "good_lines_removed_rate": fp / real if real else 0.0,
        "heading_short_removed_rate": hs_removed / hs_total if hs_total else 0.0,
        "junk_free_doc_fp_rate": free_touched / free if free else 0.0,
        "docs_dropped": dropped,
        "per_kind_recall": {k: v[1] / v[0] for k, v in sorted(kinds.items())},
    }


def run_peers(path, venv, tool):
    py = os.path.join(venv, "bin", "python")
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for r in load(path):
                f.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        out = os.path.join(tmp, "out.jsonl")
        subprocess.run([py, tool, inp, "c4", "fineweb", "--emit-text", "-o", out], check=True)
        dec = {}
        for d in load(out):
            dec[(d["id"], d["filter"])] = d
        return dec


def c4_kept_positions(rec, text_after):
    """Labelled-line positions C4 kept: C4 strips lines and removes citation
    markers, then keeps lines in order, so match greedily in order."""
    kept_lines = text_after.split("\n") if text_after else []
    kept = set()
    k = 0
    for j, l in enumerate(rec["lines"]):
        # a labelled line may be several physical lines for str.splitlines()
        pieces = [CITATION.sub("", p.strip()) for p in l["text"].splitlines()]
        hit = False
        for p in pieces:
            if k < len(kept_lines) and kept_lines[k] == p and p:
                hit = True
                k += 1
        if hit:
            kept.add(j)
    return kept


def terminal_punctuation(venv):
    py = os.path.join(venv, "bin", "python")
    out = subprocess.run(
        [py, "-c", "import json;from datatrove.utils.text import TERMINAL_PUNCTUATION as T;print(json.dumps(sorted(T)))"],
        check=True, capture_output=True, text=True).stdout
    return tuple(json.loads(out))


def sift_eval(sift, path, pipeline=None, preset=None):
    cmd = [sift, "eval", "lines", path, "--json"]
    if pipeline:
        cmd += ["--pipeline", pipeline]
    if preset:
        cmd += ["--preset", preset]
    rep = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return {
        "method": "sift " + (preset or "junk_lines"), "note": "",
        **{k: rep[k] for k in ("precision", "recall", "f1", "good_lines_removed_rate",
                               "heading_short_removed_rate", "junk_free_doc_fp_rate", "docs_dropped")},
        "per_kind_recall": {k: v["rate"] for k, v in rep["per_kind_recall"].items()},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    # Defaults: the peer virtualenv and shared/ next to the repository.
    outside = Path(__file__).resolve().parents[2]
    ap.add_argument("--venv", default=str(outside / "peer-venv"))
    ap.add_argument("--peer-tool", default=str(outside / "shared" / "tools" / "peer_decisions.py"))
    ap.add_argument("--sift", default="target/release/sift")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    recs = load(a.file)
    rows = []
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as t:
        t.write('[[stages]]\ntype = "junk_lines"\n')
        junk_only = t.name
    try:
        rows.append(sift_eval(a.sift, a.file, pipeline=junk_only))
        rows.append(sift_eval(a.sift, a.file, preset="default"))
    finally:
        os.unlink(junk_only)

    dec = run_peers(a.file, a.venv, a.peer_tool)

    mismatch = [0, 0]

    def c4(rec, line_only):
        d = dec[(rec["id"], "c4")]
        if line_only:
            # C4's line rules re-applied here (same code path as datatrove's
            # C4QualityFilter.filter, minus its document drops); checked
            # against text_after on the documents C4 keeps.
            kept = c4_lines_only(rec)
            if d["keep"]:
                mismatch[0] += 1
                mismatch[1] += kept != c4_kept_positions(rec, d.get("text_after") or "")
            return set(range(len(rec["lines"]))) - kept, False
        if d["keep"]:
            kept = c4_kept_positions(rec, d.get("text_after") or "")
            return set(range(len(rec["lines"]))) - kept, False
        return set(), True

    term = terminal_punctuation(a.venv)

    def c4_lines_only(rec):
        ends = (".", "?", "!", '"', "'")
        kept = set()
        for j, l in enumerate(rec["lines"]):
            line = CITATION.sub("", l["text"].strip())
            words = l["text"].strip().split()
            low = line.lower()
            if not line.endswith(ends) or line.endswith("..."):
                continue
            if len(words) < 3 or "javascript" in low:
                continue
            if any(p in low for p in ("terms of use", "privacy policy", "cookie policy",
                                        "uses cookies", "use of cookies", "use cookies")):
                continue
            kept.add(j)
        return kept

    def fineweb(rec):
        d = dec[(rec["id"], "fineweb")]
        return set(), not d["keep"]

    def fineweb_lines(rec):
        out = set()
        for j, l in enumerate(rec["lines"]):
            if not l["text"].endswith(term) or len(l["text"]) <= 30:
                out.add(j)
        return out, False

    rows.append(score("C4 (datatrove C4QualityFilter)", recs, lambda r: c4(r, False),
                      "lines it drops + all lines of documents it drops"))
    rows.append(score("C4 line rules only", recs, lambda r: c4(r, True),
                      "same filter, document drops ignored"))
    rows.append(score("FineWeb (datatrove FineWebQualityFilter)", recs, fineweb,
                      "document filter: a drop removes every line"))
    rows.append(score("FineWeb line rules, per line", recs, fineweb_lines,
                      "no terminal punctuation, or <= 30 chars"))
    print(f"C4 line-rule replica disagrees with datatrove's text_after on {mismatch[1]} of "
          f"{mismatch[0]} kept documents", file=sys.stderr)
    if a.markdown:
        cols = ["precision", "recall", "f1", "good_lines_removed_rate",
                "heading_short_removed_rate", "junk_free_doc_fp_rate", "docs_dropped"]
        print("| method | " + " | ".join(cols) + " |")
        print("|---|" + "---:|" * len(cols))
        for r in rows:
            vals = [f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c]) for c in cols]
            print(f"| {r['method']} | " + " | ".join(vals) + " |")
        kinds = sorted({k for r in rows for k in r["per_kind_recall"]})
        print("\nRecall per junk kind\n")
        print("| method | " + " | ".join(kinds) + " |")
        print("|---|" + "---:|" * len(kinds))
        for r in rows:
            print(f"| {r['method']} | " + " | ".join(f"{r['per_kind_recall'].get(k, 0):.2f}" for k in kinds) + " |")
    else:
        json.dump(rows, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
