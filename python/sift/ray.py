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

Input and output paths must be visible under the same path on every node (a
shared or network file system), as for datatrove or NeMo Curator on a
cluster. A task that fails is retried by Ray; a shard that already has its
completion marker is not redone, so rerunning a failed run resumes it.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import ray

from . import _sift
from ._sift import Pipeline

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["run", "plan", "minhash_duplicates", "minhash_duplicates_local"]


def _abs_paths(input: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(input, (str, os.PathLike)):
        items: Iterable[PathLike] = [input]
    else:
        items = input
    paths = [os.path.abspath(os.fspath(p)) for p in items]
    if not paths:
        raise ValueError("no input paths given")
    return paths


# Stages whose decisions depend on the whole run: `run` does not apply them
# yet (see docs/scale-out.md), so it refuses rather than skip them.
_GLOBAL_STAGES = re.compile(r'^type = "(exact_dedup|minhash_dedup|paragraph_dedup)"$', re.M)


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
    compression: str = "gzip",
    level: Optional[int] = None,
    batch_docs: int = 2048,
    cpus_per_task: int = 1,
    tasks: Optional[int] = None,
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
    """
    found = _GLOBAL_STAGES.search(pipeline.to_toml())
    if found:
        raise NotImplementedError(
            f"sift.ray.run does not run global stages ({found.group(1)}) yet; "
            "run the per-document stages on Ray, find near-duplicates with "
            "sift.ray.minhash_duplicates, or use `sift run` for this pipeline"
        )
    if not ray.is_initialized():
        ray.init()
    start = time.monotonic()
    paths = _abs_paths(input)
    out = os.path.abspath(os.fspath(output))
    shards = _sift.shard_names(paths)
    _sift.prepare_run(
        pipeline, paths, out, overwrite=overwrite, compression=compression, level=level
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


# --- MinHash near-duplicates across the cluster ---------------------------
#
# map (one task per shard): per-document stages, signatures, band records
#     hash-partitioned by digest into R objects (num_returns);
# shuffle + reduce (R tasks): each fetches its partition of every map
#     output through the object store, sorts, pairs equal neighbours;
# cluster (one task): union-find (root = earliest document), similarity to
#     the root from the signatures of the shards that have cluster members.
# The result equals sift-dedup's single-process decision
# (minhash_duplicates_local) whatever R and however tasks are placed.

Removal = Tuple[int, str, str, float]


@ray.remote
def _minhash_map_task(
    pipeline: Pipeline, input: List[str], shard: int, name: str, partitions: int
) -> Tuple[Any, ...]:
    parts, ids, sigs = _sift.minhash_map(pipeline, input, shard, name, partitions)
    return ((len(ids), sum(len(p) for p in parts)), (ids, sigs), *parts)


@ray.remote
def _minhash_reduce_task(*parts: bytes) -> bytes:
    return _sift.minhash_reduce(list(parts))


@ray.remote
def _minhash_cluster_task(
    stage: str, pairs: List[bytes], counts: List[int], shards: List[int], *sidecars: Any
) -> List[List[Removal]]:
    return _sift.minhash_cluster(stage, pairs, counts, dict(zip(shards, sidecars)))


def minhash_duplicates(
    pipeline: Pipeline,
    input: Union[PathLike, Iterable[PathLike]],
    *,
    stage: str = "minhash_dedup",
    reducers: Optional[int] = None,
    cpus_per_task: int = 1,
    info: Optional[Dict[str, Any]] = None,
) -> Dict[str, List[Removal]]:
    """Near-duplicates among the documents that ``pipeline``'s per-document
    stages keep, found on the Ray cluster (datatrove-compatible MinHash:
    word 5-grams, 14 bands x 8 rows, seed 1).

    Returns, per shard name, the removed documents as ``(seq, duplicate_of,
    cluster, similarity)``, ``seq`` counting the shard's surviving documents
    in input order — the decisions ``minhash_dedup`` applies. ``info``, if
    given, receives counts: documents, shuffled bytes, candidate pairs,
    tasks.
    """
    if not ray.is_initialized():
        ray.init()
    paths = _abs_paths(input)
    shards = _sift.shard_names(paths)
    r = reducers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    pipeline_ref = ray.put(pipeline)
    maps = [
        _minhash_map_task.options(
            num_returns=r + 2, num_cpus=cpus_per_task, scheduling_strategy="SPREAD"
        ).remote(pipeline_ref, paths, s, name, r)
        for s, (name, _) in enumerate(shards)
    ]
    sizes = ray.get([m[0] for m in maps])
    counts = [n for n, _ in sizes]
    reduces = [
        _minhash_reduce_task.options(scheduling_strategy="SPREAD").remote(
            *[m[2 + k] for m in maps]
        )
        for k in range(r)
    ]
    pairs = ray.get(reduces)
    involved = sorted(
        {s for p in pairs for a, _, b, _ in struct.iter_unpack("<IIII", p) for s in (a, b)}
    )
    result = ray.get(
        _minhash_cluster_task.remote(
            stage, pairs, counts, involved, *[maps[s][1] for s in involved]
        )
    )
    if info is not None:
        info.update(
            documents=sum(counts),
            shuffle_bytes=sum(b for _, b in sizes),
            pairs=sum(len(p) // 16 for p in pairs),
            map_tasks=len(maps),
            reducers=r,
            cluster_shards=len(involved),
        )
    return {name: removals for (name, _), removals in zip(shards, result)}


def minhash_duplicates_local(
    pipeline: Pipeline,
    input: Union[PathLike, Iterable[PathLike]],
    *,
    stage: str = "minhash_dedup",
    work_dir: Optional[PathLike] = None,
) -> Dict[str, List[Removal]]:
    """The same decisions in this process, by sift-dedup's own decision step
    (keys, on-disk sort, union-find): the reference for
    :func:`minhash_duplicates`. Needs no Ray cluster."""
    paths = _abs_paths(input)
    names = [name for name, _ in _sift.shard_names(paths)]
    with tempfile.TemporaryDirectory() as tmp:
        work = os.fspath(work_dir) if work_dir is not None else tmp
        result = _sift.minhash_local(pipeline, paths, names, stage, work)
    return dict(zip(names, result))
