"""sift.ray on a real Ray instance: same output as a local run.

With ``SIFT_RAY_ADDRESS`` set (``ray_cluster_check.sh`` does), the tests
connect to that cluster; otherwise they start a local Ray instance. With
``SIFT_RAY_EXPECT_NODES`` set, the run must have used that many nodes.
"""

from __future__ import annotations

import os
import pathlib

import pytest

ray = pytest.importorskip("ray")

import sift  # noqa: E402
import sift.ray  # noqa: E402
from conftest import PIPELINE, read_output, without_seconds, write_corpus  # noqa: E402

pytestmark = pytest.mark.ray


@ray.remote(num_cpus=1)
def _import_sift() -> str:
    import sift  # noqa: F401

    return ray.get_runtime_context().get_node_id()


def _warm_up_every_node() -> None:
    """Start a worker (with sift imported) on every node, so that the short
    tasks of a small test run are not all done by the first worker while
    the other node is still starting its worker process."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
    done = ray.get(
        [
            _import_sift.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)
            ).remote()
            for node in nodes
        ]
    )
    assert sorted(done) == sorted(nodes)


@pytest.fixture(scope="module")
def cluster():
    address = os.environ.get("SIFT_RAY_ADDRESS")
    if address:
        ray.init(address=address, log_to_driver=False)
        _warm_up_every_node()
    else:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_plan_balances_bytes_and_keeps_order() -> None:
    shards = [("a", 10), ("b", 100), ("c", 30), ("d", 60), ("e", 5)]
    groups = sift.ray.plan(shards, 2)
    assert groups == [["b", "e"], ["a", "c", "d"]]
    assert sift.ray.plan(shards, 9) == [["b"], ["d"], ["c"], ["a"], ["e"]]
    assert sorted(n for g in sift.ray.plan(shards, 3) for n in g) == list("abcde")


def test_ray_run_equals_local_run(cluster, tmp_path: pathlib.Path, docs) -> None:
    # More shards than workers, so tasks queue and nodes share the work.
    corpus = write_corpus(tmp_path, docs + [dict(d, id=d["id"] + "#2") for d in docs])
    p = sift.Pipeline.from_toml(PIPELINE)
    local = p.run(corpus, tmp_path / "local")
    got = sift.ray.run(p, corpus, tmp_path / "ray")
    assert read_output(tmp_path / "ray") == read_output(tmp_path / "local")
    assert without_seconds(got) == without_seconds(local)
    assert got["docs_kept"] > 0 and got["docs_removed"] > 0 and got["docs_rejected"] == 2
    assert got["ray"]["tasks"] == 5
    expect = os.environ.get("SIFT_RAY_EXPECT_NODES")
    if expect:
        assert got["ray"]["nodes"] == int(expect), got["ray"]

    # Rerun into the same directory resumes; a different run is refused.
    again = sift.ray.run(p, corpus, tmp_path / "ray", tasks=2)
    assert without_seconds(again) == without_seconds(local)
    other = sift.Pipeline.from_toml('[[stages]]\ntype = "min_words"\nmin = 3\n')
    with pytest.raises(sift.SiftError, match="different run"):
        sift.ray.run(other, corpus, tmp_path / "ray")


def near_copies(docs):
    """For every third long document, a copy with one word dropped and one
    doubled (a near duplicate), and every fifth an exact copy."""
    out = []
    for i, d in enumerate(docs):
        words = d["text"].split(" ")
        if len(words) < 120:
            continue
        if i % 3 == 0:
            w = words[:40] + words[41:80] + [words[80]] + words[80:]
            out.append(dict(d, id=d["id"] + "#near", text=" ".join(w)))
        if i % 5 == 0:
            out.append(dict(d, id=d["id"] + "#exact"))
    return out


DEDUP = PIPELINE + """
[[stages]]
type = "exact_dedup"

[[stages]]
type = "minhash_dedup"

[[stages]]
type = "paragraph_dedup"

[[stages]]
type = "min_words"
name = "min_words_after_dedup"
min = 40
"""


def without_dedup_counts(files):
    """Output files without .sift/dedup.json (it holds each step's seconds)."""
    return {k: v for k, v in files.items() if not k.endswith("dedup.json")}


@pytest.mark.parametrize("reducers", [1, 3])
def test_ray_dedup_run_equals_local_run(cluster, tmp_path: pathlib.Path, docs, reducers) -> None:
    copies = near_copies(docs)
    # Copies land in other shards than their originals (write_corpus splits in quarters).
    corpus = write_corpus(tmp_path, docs + copies)
    p = sift.Pipeline.from_toml(DEDUP)
    local = p.run(corpus, tmp_path / "local", threads=2)
    got = sift.ray.run(p, corpus, tmp_path / "ray", reducers=reducers)
    assert without_dedup_counts(read_output(tmp_path / "ray")) == without_dedup_counts(
        read_output(tmp_path / "local")
    )
    assert without_seconds(got) == without_seconds(local)
    stages = {s["name"]: s for s in got["stages"]}
    assert stages["exact_dedup"]["docs_removed"] > 0
    assert stages["minhash_dedup"]["docs_removed"] > 0
    (step,) = got["ray"]["dedup_steps"]
    assert step["shuffle_bytes"] > 0 and step["reducers"] == reducers
    assert step["shuffle_bytes"] % 24 == 0
    expect = os.environ.get("SIFT_RAY_EXPECT_NODES")
    if expect:
        assert got["ray"]["nodes"] == int(expect), got["ray"]
    # Rerun into the finished directory: nothing redone, same statistics.
    again = sift.ray.run(p, corpus, tmp_path / "ray")
    assert without_seconds(again) == without_seconds(local)



def test_ray_dedup_datatrove_mode_equals_local_run(cluster, tmp_path: pathlib.Path, docs) -> None:
    corpus = write_corpus(tmp_path, docs + near_copies(docs))
    p = sift.Pipeline.from_toml(
        PIPELINE + '\n[[stages]]\ntype = "minhash_dedup"\nkeep = "datatrove"\n'
    )
    local = p.run(corpus, tmp_path / "local")
    got = sift.ray.run(p, corpus, tmp_path / "ray")
    assert without_dedup_counts(read_output(tmp_path / "ray")) == without_dedup_counts(
        read_output(tmp_path / "local")
    )
    assert without_seconds(got) == without_seconds(local)
    assert got["ray"]["dedup_steps"][0]["reducers"] == 0  # decided in one task
