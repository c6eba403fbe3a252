#!/usr/bin/env bash
# overhead.sh — what the junk-line cleaner adds to the spine's runtime
# (issue #3's speed target: <= 30 %). Runs, single-threaded, the same
# .jsonl.gz input through an empty pipeline (read, parse, write zstd: the
# spine) and through `junk_lines` alone; prints the median CPU seconds
# (user+sys) of each and the overhead.
#
# Usage: bench/junk_lines/overhead.sh CORPUS.jsonl[.gz] [RUNS]   (SIFT=path/to/sift)
set -euo pipefail
corpus="$1"; runs="${2:-5}"
sift="${SIFT:-target/release/sift}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
printf 'description = "spine"\nstages = []\n' > "$work/spine.toml"
printf '[[stages]]\ntype = "junk_lines"\n' > "$work/junk.toml"
cpu() {  # median user+sys seconds of $runs runs of pipeline $1
    for _ in $(seq "$runs"); do
        rm -rf "$work/out"
        /usr/bin/time -f '%U %S' -o "$work/t" "$sift" run "$work/$1.toml" --input "$corpus" \
            --output "$work/out" --threads 1 --quiet
        awk '{print $1 + $2}' "$work/t"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
mb=$(du -m "$corpus" | cut -f1)
spine=$(cpu spine); junk=$(cpu junk)
echo "input $corpus ($mb MB on disk), $runs runs each, median CPU s"
echo "spine (read, parse, write zstd)   $spine"
echo "spine + junk_lines                $junk"
awk -v s="$spine" -v j="$junk" 'BEGIN {printf "junk_lines overhead               %.0f %%\n", (j - s) / s * 100}'
