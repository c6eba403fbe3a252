#!/usr/bin/env bash
# Dedup benchmark: run sift's exact + MinHash dedup on a make_bench_corpus.py
# corpus, with peak RSS and time, and score it against the corpus truth (and
# against datatrove, when its removed ids are given).
#
#   bench/dedup_bench.sh CORPUS.jsonl WORKDIR [DATATROVE_REMOVED_IDS.txt] [MEMORY_LIMIT]
#
# Needs a release build: cargo build --release -p sift-cli
set -euo pipefail
corpus=$1 work=$2 dt=${3:-} mem=${4:-1G}
here=$(cd "$(dirname "$0")" && pwd)
sift=${SIFT:-$here/../target/release/sift}
mkdir -p "$work"
# first: exact + verified MinHash with the defaults (keep = "first", threshold 0.8);
# minhash_dt: MinHash alone as datatrove (compare with DATATROVE_REMOVED_IDS);
# threshold: exact + verified MinHash at 0.719 (more recall, lower precision).
printf '[[stages]]\ntype = "exact_dedup"\n\n[[stages]]\ntype = "minhash_dedup"\n' > "$work/first.toml"
printf '[[stages]]\ntype = "minhash_dedup"\n' > "$work/minhash.toml"
printf '[[stages]]\ntype = "minhash_dedup"\nkeep = "datatrove"\n' > "$work/minhash_dt.toml"
printf '[[stages]]\ntype = "exact_dedup"\n\n[[stages]]\ntype = "minhash_dedup"\nthreshold = 0.719\n' > "$work/threshold.toml"
for cfg in first minhash minhash_dt threshold; do
  /usr/bin/time -v "$sift" run "$work/$cfg.toml" -i "$corpus" -o "$work/$cfg" --overwrite -q \
      --memory-limit "$mem" 2> "$work/$cfg.time"
  grep -E "Elapsed|Maximum resident|User time|System time" "$work/$cfg.time" | sed "s/^/$cfg: /"
  python3 "$here/dedup_eval.py" "$work/$cfg" "$corpus" $dt > "$work/$cfg.eval.json"
  python3 - "$work/$cfg.eval.json" "$cfg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("exact_dedup", "minhash_dedup"):
    d[k].pop("wrong_pairs_word5_jaccard", None)
print(sys.argv[2], json.dumps({k: d[k] for k in d if k not in ("docs",)}))
PY
done
