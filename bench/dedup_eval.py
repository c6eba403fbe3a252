#!/usr/bin/env python3
"""Score a sift dedup run against make_bench_corpus.py truth, and against datatrove.

Usage:
    python3 bench/dedup_eval.py SIFT_OUT_DIR CORPUS.jsonl [DATATROVE_REMOVED_IDS.txt]

(CORPUS.jsonl.truth.jsonl must sit next to CORPUS.jsonl; truth lines of
documents not in CORPUS.jsonl are ignored, so a prefix of a corpus works.)

Truth clusters: every `exact_dup` / `near_dup` document joined with its
`dup_of` original (transitively). A predicted pair (removed doc, its
`sift.duplicate_of`) is correct when both are in the same truth
cluster. The generator's truth misses coincidental copies (two `orig`
documents drawn from the same short page without changes are identical), so
documents whose whitespace-normalised texts are equal are joined too
("truth+identical"); both precisions are printed, and for wrong near pairs
the real word-5-gram Jaccard of the two texts.

The truth also misses near copies between `orig` documents: each is a
recombination of one of 568 real page variants (70 % of its paragraphs
kept, 30 % swapped in from other pages), so at 100 MB every page variant is
reused by ~42 documents and at 1M documents by ~1,400, and some of those pairs
are as similar as the generator's own `near_dup` edits. "truth+source"
also counts a pair as correct when the two documents' truth roots (the
`orig` documents they derive from) share at least half of their paragraphs
(same source page) AND the pair's real word-5-gram Jaccard is >= 0.7 (about
the 5th percentile of the generator's own near_dup pairs, printed as
`near_dup_word5_jaccard_p5`). Wrong pairs are broken down by whether their
roots share a source page. Per stage:
  precision = correct predicted pairs / predicted pairs
  recall    = truth duplicates (kind exact_dup resp. near_dup) removed as a
              duplicate of a document of their own truth cluster / all of them
Near-duplicate recall counts a near_dup removed by any dedup stage (a
near_dup can be an exact copy after normalisation). With a datatrove
removed-id list, prints the agreement on which documents are removed:
share of all documents with the same decision, and both set differences.
Prints one JSON object.
"""
import gzip
import io
import json
import os
import subprocess
import sys


def read_jsonl(path):
    if path.endswith(".zst"):  # sift's output with --compression zstd
        with subprocess.Popen(["zstd", "-dcq", path], stdout=subprocess.PIPE) as p:
            for line in io.TextIOWrapper(p.stdout, encoding="utf-8"):
                yield json.loads(line)
        return
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def main():
    out, corpus = sys.argv[1], sys.argv[2]
    truth_path = corpus + ".truth.jsonl"
    dt_path = sys.argv[3] if len(sys.argv) > 3 else None
    texts = {str(d["id"]): d["text"] for d in read_jsonl(corpus)}
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    kind = {}
    for t in read_jsonl(truth_path):
        if t["id"] not in texts:
            continue
        kind[t["id"]] = t["kind"]
        if t["dup_of"]:
            a, b = find(t["id"]), find(t["dup_of"])
            if a != b:
                parent[a] = b
    truth_root = {i: find(i) for i in kind}
    first_of = {}
    for i, t in texts.items():
        norm = " ".join(t.split())
        if norm in first_of:
            a, b = find(i), find(first_of[norm])
            if a != b:
                parent[a] = b
        else:
            first_of[norm] = i

    def shingles(t):
        w = t.lower().split()
        return {" ".join(w[k:k + 5]) for k in range(max(0, len(w) - 4))}

    def jaccard(a, b):
        x, y = shingles(texts[a]), shingles(texts[b])
        return len(x & y) / max(1, len(x | y))
    removed = {}
    rdir = os.path.join(out, "removed")
    for fn in sorted(os.listdir(rdir)):
        for r in read_jsonl(os.path.join(rdir, fn)):
            removed[str(r["id"])] = r["sift"]
    res = {"docs": len(kind), "removed": len(removed)}
    src = {}
    for t in read_jsonl(truth_path):
        if t["id"] in texts:
            src[t["id"]] = t["dup_of"] or t["id"]

    def paras(i):
        return {p.strip() for p in texts[i].split("\n") if p.strip()}

    def same_source(a, b):
        pa, pb = paras(src[a]), paras(src[b])
        return len(pa & pb) >= 0.5 * max(1, min(len(pa), len(pb)))
    nd = sorted(jaccard(i, src[i]) for i, k in kind.items() if k == "near_dup")
    res["near_dup_word5_jaccard_p5"] = round(nd[len(nd) // 20], 3) if nd else None
    for stage in ("exact_dedup", "minhash_dedup"):
        pairs = [(i, s["duplicate_of"]) for i, s in removed.items()
                 if s.get("stage") == stage and s.get("duplicate_of")]
        ok_truth = sum(truth_root[a] == truth_root[b] for a, b in pairs)
        ok = sum(find(a) == find(b) for a, b in pairs)
        wrong_pairs = [(a, b, jaccard(a, b)) for a, b in pairs if find(a) != find(b)]
        same = [w for w in wrong_pairs if same_source(w[0], w[1])]
        ok_source = ok + sum(1 for w in same if w[2] >= 0.7)
        wrong = sorted(round(w[2], 3) for w in wrong_pairs)
        res[stage] = {"pairs": len(pairs),
                      "precision_truth": round(ok_truth / len(pairs), 4) if pairs else None,
                      "precision_truth_identical": round(ok / len(pairs), 4) if pairs else None,
                      "precision_truth_source": round(ok_source / len(pairs), 4) if pairs else None,
                      "wrong_pairs": len(wrong_pairs),
                      "wrong_pairs_same_source_page": len(same),
                      "wrong_pairs_word5_jaccard": wrong[:50]}
    for k, stages in (("exact_dup", ("exact_dedup",)), ("near_dup", ("exact_dedup", "minhash_dedup"))):
        want = [i for i, kd in kind.items() if kd == k]
        got = sum(1 for i in want if i in removed and removed[i].get("stage") in stages
                  and removed[i].get("duplicate_of")
                  and find(removed[i]["duplicate_of"]) == find(i))
        res[k] = {"truth": len(want), "found": got, "recall": round(got / len(want), 4) if want else None}
        if k == "near_dup":
            # truth+source: also removed as a duplicate of a same-source document, Jaccard >= 0.7
            got_src = got + sum(
                1 for i in want if i in removed and removed[i].get("stage") in stages
                and removed[i].get("duplicate_of")
                and find(removed[i]["duplicate_of"]) != find(i)
                and same_source(i, removed[i]["duplicate_of"])
                and jaccard(i, removed[i]["duplicate_of"]) >= 0.7)
            res[k]["recall_truth_source"] = round(got_src / len(want), 4) if want else None
    if dt_path:
        dt = set(open(dt_path).read().split())
        mine = {i for i, s in removed.items() if s.get("stage") in ("exact_dedup", "minhash_dedup")}
        same = len(kind) - len(mine ^ dt)
        res["datatrove"] = {"removed_datatrove": len(dt), "removed_sift": len(mine),
                            "both": len(mine & dt), "sift_only": len(mine - dt),
                            "datatrove_only": len(dt - mine),
                            "decision_agreement": round(same / len(kind), 5),
                            "removed_set_jaccard": round(len(mine & dt) / max(1, len(mine | dt)), 5)}
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
