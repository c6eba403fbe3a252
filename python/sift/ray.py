"""Run a sift pipeline on a Ray cluster.

:func:`run` splits a run into Ray tasks and gives the same output directory
as a local ``sift run`` / :meth:`sift.Pipeline.run` over the same input:

1. the driver lists the input's shards and prepares the output directory
   (identity file, ``--overwrite`` semantics, resume markers);
2. per-document stages: one Ray task per group of shards runs the pipeline
   on them (the Rust core, GIL released, ``cpus_per_task`` threads) and
   writes their output files and completion markers; only statistics travel
   back through the object store;
3. the driver merges the statistics in shard order and writes
   ``stats.json``.

A pipeline with dedup stages runs in passes, as ``sift run`` does (see
``docs/dedup.md``): pass ``g`` runs as one Ray task per shard, then global
step ``g`` finds the duplicates of its dedup stages. For ``minhash_dedup``
(``keep = "first"``, the default) the step is a shuffle through Ray's object
store, the shape of datatrove's and NeMo Curator's MinHash: one map task per
shard turns its signatures into band records hash-partitioned into R
objects; R reduce tasks each sort one partition and emit its buckets
(documents with equal band values); one decide task clusters them (each
removed document verified against the kept one) together with the other
dedup stages of the step and writes per-shard decision files, which the next
pass applies. The output directory is byte-identical to ``sift run``'s.

Input and output paths must be visible under the same path on every node (a
shared or network file system), as for datatrove or NeMo Curator on a
cluster. A task that fails is retried by Ray; a shard that already has its
completion marker is not redone, so rerunning a failed run resumes it.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import ray

from . import _sift
from ._sift import Pipeline

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["run", "plan"]


def _abs_paths(input: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(input, (str, os.PathLike)):
        items: Iterable[PathLike] = [input]
    else:
        items = input
    paths = [os.path.abspath(os.fspath(p)) for p in items]
    if not paths:
        raise ValueError("no input paths given")
    return paths


def plan(shards: Sequence[Tuple[str, int]], tasks: int) -> List[List[str]]:
    """Assign shards to at most ``tasks`` groups, balancing bytes (largest
    shard first onto the least loaded group). Deterministic; each group
    keeps run order. Output does not depend on the grouping."""
    tasks = max(1, min(tasks, len(shards)))
    loads = [0] * tasks
    groups: List[List[Tuple[int, str]]] = [[] for _ in range(tasks)]
    order = sorted(range(len(shards)), key=lambda i: (-shards[i][1], i))
    for i in order:
        g = min(range(tasks), key=lambda k: (loads[k], k))
        loads[g] += shards[i][1]
        groups[g].append((i, shards[i][0]))
    return [[name for _, name in sorted(g)] for g in groups if g]


@ray.remote
def _run_shards_task(
    pipeline: Pipeline,
    input: List[str],
    output: str,
    names: List[str],
    threads: int,
    compression: str,
    level: Optional[int],
    batch_docs: int,
) -> Tuple[List[str], List[str], str, float]:
    cpu = time.process_time()
    stats = _sift.run_shards(
        pipeline,
        input,
        output,
        names,
        threads=threads,
        compression=compression,
        level=level,
        batch_docs=batch_docs,
    )
    cpu = time.process_time() - cpu
    return names, stats, ray.get_runtime_context().get_node_id(), cpu


def run(
    pipeline: Pipeline,
    input: Union[PathLike, Iterable[PathLike]],
    output: PathLike,
    *,
    overwrite: bool = False,
    compression: str = "zstd",
    level: Optional[int] = None,
    batch_docs: int = 2048,
    cpus_per_task: int = 1,
    tasks: Optional[int] = None,
    reducers: Optional[int] = None,
    scheduling_strategy: Any = "SPREAD",
) -> Dict[str, Any]:
    """Run ``pipeline`` over ``input`` into ``output`` on the Ray cluster
    this process is connected to (``ray.init(address=...)`` first; a local
    Ray instance is started otherwise).

    ``tasks`` is the number of Ray tasks (default: one per shard); each
    uses ``cpus_per_task`` CPUs and as many threads. Tasks are spread over
    the nodes by default (``scheduling_strategy``, passed to Ray: input and
    output live on a shared file system, so no node is closer to the data
    than another). Returns the run's
    statistics (``stats.json``) with an extra ``"ray"`` entry: tasks, the
    number of distinct nodes that ran them, and the CPU seconds the tasks'
    processes used.

    With dedup stages the run makes passes (one task per shard each; ``tasks``
    does not apply) and each MinHash step shuffles band records through
    ``reducers`` reduce tasks (default: the cluster's CPUs); the ``"ray"``
    entry then also has, per global step, the bytes shuffled, buckets and
    the step's counts.
    """
    if not ray.is_initialized():
        ray.init()
    start = time.monotonic()
    paths = _abs_paths(input)
    out = os.path.abspath(os.fspath(output))
    shards = _sift.shard_names(paths)
    _sift.prepare_run(
        pipeline, paths, out, overwrite=overwrite, compression=compression, level=level
    )
    if _sift.passes(pipeline) > 1:
        return _run_passes(
            pipeline, paths, out, shards, start, compression, level, batch_docs,
            cpus_per_task, reducers, scheduling_strategy,
        )
    groups = plan(shards, tasks if tasks is not None else len(shards))
    pipeline_ref = ray.put(pipeline)
    refs = [
        _run_shards_task.options(
            num_cpus=cpus_per_task, scheduling_strategy=scheduling_strategy
        ).remote(
            pipeline_ref, paths, out, names, cpus_per_task, compression, level, batch_docs
        )
        for names in groups
    ]
    by_name: Dict[str, str] = {}
    nodes = set()
    cpu_seconds = 0.0
    for names, stats, node, cpu in ray.get(refs):
        by_name.update(zip(names, stats))
        nodes.add(node)
        cpu_seconds += cpu
    per_shard = [by_name[name] for name, _ in shards]
    result = _sift.finish_run(pipeline, out, per_shard, time.monotonic() - start)
    result["ray"] = {
        "tasks": len(groups),
        "nodes": len(nodes),
        "task_cpu_seconds": round(cpu_seconds, 3),
    }
    return result


# --- Runs with dedup stages -------------------------------------------------


@ray.remote
def _pass_task(
    pipeline: Pipeline,
    input: List[str],
    output: str,
    shard: int,
    pass_: int,
    threads: int,
    compression: str,
    level: Optional[int],
    batch_docs: int,
) -> Tuple[str, int, str, float]:
    cpu = time.process_time()
    stats, survivors = _sift.run_pass(
        pipeline, input, output, shard, pass_,
        threads=threads, compression=compression, level=level, batch_docs=batch_docs,
    )
    return stats, survivors, ray.get_runtime_context().get_node_id(), time.process_time() - cpu


@ray.remote
def _band_map_task(
    pipeline: Pipeline, output: str, group: int, shard: int, offset: int, count: int, partitions: int
) -> Tuple[Any, ...]:
    parts = _sift.band_records(pipeline, output, group, shard, offset, count, partitions)
    if parts is None:  # no shuffled MinHash stage in this step
        parts = [b""] * partitions
    return (sum(len(p) for p in parts), *parts)


@ray.remote(num_returns=2)
def _band_reduce_task(*parts: bytes) -> Tuple[int, bytes]:
    buckets = _sift.reduce_bands(list(parts))
    return len(buckets), buckets


@ray.remote
def _decide_task(
    pipeline: Pipeline, output: str, group: int, survivors: List[int], threads: int, *buckets: bytes
) -> str:
    return _sift.decide_group(
        pipeline, output, group, survivors, list(buckets) if buckets else None, threads=threads
    )


def _shuffled_minhash(pipeline: Pipeline) -> bool:
    """Whether a MinHash step of this pipeline can use the shuffle: true
    unless every minhash_dedup stage asks for keep = "datatrove" (whose
    union order follows the band values: decided in one task instead)."""
    blocks = pipeline.to_toml().split("[[stages]]")
    mh = [b for b in blocks if re.search(r'^type = "minhash_dedup"$', b, re.M)]
    return any(not re.search(r'^keep = "datatrove"$', b, re.M) for b in mh)


def _run_passes(
    pipeline: Pipeline,
    paths: List[str],
    out: str,
    shards: Sequence[Tuple[str, int]],
    start: float,
    compression: str,
    level: Optional[int],
    batch_docs: int,
    cpus_per_task: int,
    reducers: Optional[int],
    scheduling_strategy: Any,
) -> Dict[str, Any]:
    passes = _sift.passes(pipeline)
    r = reducers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    shuffle = _shuffled_minhash(pipeline)
    pipeline_ref = ray.put(pipeline)
    nodes = set()
    cpu_seconds = 0.0
    steps: List[Dict[str, Any]] = []
    tasks = 0
    per_shard: List[str] = []
    # A finished run (every shard has its completion marker) only collects
    # the recorded statistics, as `sift run` does.
    finished = all(
        os.path.exists(os.path.join(out, ".sift", "done", name + ".json")) for name, _ in shards
    )
    for pass_ in range(passes - 1 if finished else 0, passes):
        refs = [
            _pass_task.options(
                num_cpus=cpus_per_task, scheduling_strategy=scheduling_strategy
            ).remote(
                pipeline_ref, paths, out, si, pass_, cpus_per_task, compression, level, batch_docs
            )
            for si in range(len(shards))
        ]
        tasks += len(refs)
        results = ray.get(refs)
        for _, _, node, cpu in results:
            nodes.add(node)
            cpu_seconds += cpu
        if pass_ + 1 == passes:
            per_shard = [stats for stats, _, _, _ in results]
            break
        survivors = [n for _, n, _, _ in results]
        buckets: List[Any] = []
        shuffled = bucket_bytes = 0
        if shuffle and sum(survivors) > 0:
            offsets = [sum(survivors[:si]) for si in range(len(shards))]
            maps = [
                _band_map_task.options(
                    num_returns=r + 1, scheduling_strategy=scheduling_strategy
                ).remote(pipeline_ref, out, pass_, si, offsets[si], survivors[si], r)
                for si in range(len(shards))
            ]
            shuffled = sum(ray.get([m[0] for m in maps]))
            reduced = []
            if shuffled > 0:
                reduced = [
                    _band_reduce_task.options(scheduling_strategy=scheduling_strategy).remote(
                        *[m[1 + k] for m in maps]
                    )
                    for k in range(r)
                ]
            buckets = [b for _, b in reduced]
            bucket_bytes = sum(ray.get([n for n, _ in reduced]))
            tasks += len(maps) + len(reduced)
        summary = ray.get(
            _decide_task.options(num_cpus=cpus_per_task).remote(
                pipeline_ref, out, pass_, survivors, cpus_per_task, *buckets
            )
        )
        tasks += 1
        steps.append(
            dict(
                json.loads(summary),
                shuffle_bytes=shuffled,
                bucket_bytes=bucket_bytes,
                reducers=len(buckets),
            )
        )
    result = _sift.finish_run(pipeline, out, per_shard, time.monotonic() - start)
    result["ray"] = {
        "tasks": tasks,
        "nodes": len(nodes),
        "task_cpu_seconds": round(cpu_seconds, 3),
        "passes": passes,
        "dedup_steps": steps,
    }
    return result
