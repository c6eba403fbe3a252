#!/usr/bin/env bash
# bench/ab.sh — compare sift binaries on one workload by alternating runs: A, B, A, B, ...
# On a shared machine the speed drifts between runs, so interleaved runs compare two builds
# better than two separate series (what bench/compare.sh does for sift vs the peer).
#
#   bench/ab.sh RUNS BIN... -- SIFT-RUN-ARGS...
#   bench/ab.sh 5 /tmp/old/sift target/release/sift -- --preset default --input bench-30.jsonl.gz --threads 1
#
# Prints, per binary, the min and median CPU seconds (user+sys) and the median wall seconds.
# Each run writes to a scratch directory that is removed at the end.
set -euo pipefail
runs="$1"; shift
bins=()
while [[ $# -gt 0 && "$1" != "--" ]]; do bins+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
[[ ${#bins[@]} -gt 0 && $# -gt 0 ]] || { sed -n '2,9p' "$0" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
for _ in $(seq "$runs"); do
    for b in "${bins[@]}"; do
        /usr/bin/time -f "%U %S %e" -o "$work/t" "$b" run "$@" --output "$work/out" --overwrite --quiet
        echo "$b $(cat "$work/t")"
    done
done | python3 -c '
import collections, statistics, sys
cpu, wall = collections.defaultdict(list), collections.defaultdict(list)
for line in sys.stdin:
    b, u, s, e = line.rsplit(None, 3)
    cpu[b].append(float(u) + float(s)); wall[b].append(float(e))
for b in cpu:
    print(f"{b}: CPU s min {min(cpu[b]):.2f} median {statistics.median(cpu[b]):.2f}; "
          f"wall s median {statistics.median(wall[b]):.2f} ({len(cpu[b])} runs)")'
