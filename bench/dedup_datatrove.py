#!/usr/bin/env python3
"""Run datatrove's 4-stage MinHash dedup (MinhashConfig() defaults) on a JSONL file.

Usage:
    PEER_VENV/bin/python bench/dedup_datatrove.py INPUT.jsonl WORKDIR   # PEER_VENV: the datatrove virtualenv (see conformance/parity.sh)

Writes WORKDIR/removed_ids.txt (one id per line, the documents datatrove's
MinhashDedupFilter drops) and WORKDIR/timing.json with wall and CPU seconds
per stage, plus the signature stage's text MB per CPU-second. One task and
one worker for stages 1, 3 and 4 (per-core numbers); stage 2 runs its 14
bucket tasks one after another in this process.
"""
import gzip
import json
import os
import shutil
import sys
import time

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter


def timed(name, timing, fn):
    w0, c0 = time.time(), time.process_time()
    fn()
    timing[name] = {"wall_s": round(time.time() - w0, 2), "cpu_s": round(time.process_time() - c0, 2)}
    print(f"{name}: {timing[name]}", file=sys.stderr)


def main():
    src, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cfg = MinhashConfig()
    folder, name = os.path.dirname(src), os.path.basename(src)

    def reader():
        return JsonlReader(folder, glob_pattern=name, text_key="text", id_key="id", compression=None)

    def run(pipeline, tasks, sub):
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1,
                              logging_dir=os.path.join(work, "logs", sub)).run()

    timing = {}
    text_bytes = 0
    with open(src, encoding="utf-8") as f:
        for line in f:
            text_bytes += len(json.loads(line)["text"].encode("utf-8"))
    timed("1_signatures", timing, lambda: run(
        [reader(), MinhashDedupSignature(output_folder=f"{work}/sigs", config=cfg)], 1, "s1"))
    timed("2_buckets", timing, lambda: run(
        [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=cfg)],
        cfg.num_buckets, "s2"))
    timed("3_cluster", timing, lambda: run(
        [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=cfg)],
        1, "s3"))
    timed("4_filter", timing, lambda: run(
        [reader(),
         MinhashDedupFilter(input_folder=f"{work}/remove_ids",
                            exclusion_writer=JsonlWriter(f"{work}/removed", compression=None)),
         JsonlWriter(f"{work}/kept", compression=None)], 1, "s4"))
    removed = []
    rdir = os.path.join(work, "removed")
    for fn in sorted(os.listdir(rdir)) if os.path.isdir(rdir) else []:
        opener = gzip.open if fn.endswith(".gz") else open
        with opener(os.path.join(rdir, fn), "rt", encoding="utf-8") as f:
            removed.extend(json.loads(line)["id"] for line in f)
    with open(os.path.join(work, "removed_ids.txt"), "w") as f:
        f.write("".join(i + "\n" for i in removed))
    sig_cpu = timing["1_signatures"]["cpu_s"]
    timing["text_mb"] = round(text_bytes / 1e6, 2)
    timing["signature_mb_per_cpu_s"] = round(text_bytes / 1e6 / max(sig_cpu, 1e-9), 3)
    timing["removed"] = len(removed)
    with open(os.path.join(work, "timing.json"), "w") as f:
        json.dump(timing, f, indent=1)
    print(json.dumps(timing), file=sys.stderr)


if __name__ == "__main__":
    main()
