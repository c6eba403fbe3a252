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
