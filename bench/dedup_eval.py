#!/usr/bin/env python3
"""Score a sift dedup run against make_bench_corpus.py truth, and against datatrove.

Usage:
    python3 bench/dedup_eval.py SIFT_OUT_DIR CORPUS.jsonl [DATATROVE_REMOVED_IDS.txt]

(CORPUS.jsonl.truth.jsonl must sit next to CORPUS.jsonl; truth lines of
documents not in CORPUS.jsonl are ignored, so a prefix of a corpus works.)

Truth clusters: every `exact_dup` / `near_dup` document joined with its
`dup_of` original (transitively). A predicted pair (removed doc, its
`sift.duplicate.duplicate_of`) is correct when both are in the same truth
cluster. The generator's truth misses coincidental copies (two `orig`
documents drawn from the same short page without changes are identical), so
documents whose whitespace-normalised texts are equal are joined too
("truth+identical"); both precisions are printed, and for wrong near pairs
the real word-5-gram Jaccard of the two texts. Per stage:
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
import json
import os
import sys


def read_jsonl(path):
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
    for stage in ("exact_dedup", "minhash_dedup"):
        pairs = [(i, s["duplicate"]["duplicate_of"]) for i, s in removed.items()
                 if s.get("stage") == stage and s.get("duplicate")]
        ok_truth = sum(truth_root[a] == truth_root[b] for a, b in pairs)
        ok = sum(find(a) == find(b) for a, b in pairs)
        wrong = sorted(round(jaccard(a, b), 3) for a, b in pairs if find(a) != find(b))
        res[stage] = {"pairs": len(pairs),
                      "precision_truth": round(ok_truth / len(pairs), 4) if pairs else None,
                      "precision_truth_identical": round(ok / len(pairs), 4) if pairs else None,
                      "wrong_pairs_word5_jaccard": wrong[:50]}
    for k, stages in (("exact_dup", ("exact_dedup",)), ("near_dup", ("exact_dedup", "minhash_dedup"))):
        want = [i for i, kd in kind.items() if kd == k]
        got = sum(1 for i in want if i in removed and removed[i].get("stage") in stages
                  and removed[i].get("duplicate")
                  and find(removed[i]["duplicate"]["duplicate_of"]) == find(i))
        res[k] = {"truth": len(want), "found": got, "recall": round(got / len(want), 4) if want else None}
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
