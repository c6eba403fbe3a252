"""Shared fixtures: a small multi-shard corpus made from the repository's
bundled sample (real pages plus the two seed documents)."""

from __future__ import annotations

import gzip
import json
import pathlib
from typing import Dict, List

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "crates" / "sift-cli" / "sample" / "sample.jsonl"

PIPELINE = """
description = "python tests"

[[stages]]
type = "line_regex"
name = "placeholders"
reason = "ad_placeholder"
patterns = ['^\\[ad_?\\d+\\]$', '^(?i)source link$']

[[stages]]
type = "min_words"
min = 50
"""


SHORT_PER_SHARD = 2


def sample_docs() -> List[Dict]:
    with SAMPLE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def docs() -> List[Dict]:
    return sample_docs()


def write_corpus(root: pathlib.Path, docs: List[Dict]) -> pathlib.Path:
    """Four shards (plain and gzip JSONL, each with short documents, one
    with a broken line and a record without text) and a directory of .txt
    files."""
    inp = root / "in"
    (inp / "txt").mkdir(parents=True)
    quarter = len(docs) // 4
    parts = [docs[i * quarter : (i + 1) * quarter] for i in range(3)] + [docs[3 * quarter :]]
    for k, part in enumerate(parts):
        lines = [json.dumps(d, ensure_ascii=False) for d in part]
        for j in range(SHORT_PER_SHARD):
            short = {"id": f"short-{k}-{j}", "text": "Too short to keep.\n[ad_1]"}
            lines.insert(3 * j, json.dumps(short))
        if k == 1:
            lines.insert(2, "{not json")
            lines.append(json.dumps({"id": "no-text", "body": "x"}))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        if k % 2:
            (inp / f"part-{k}.jsonl.gz").write_bytes(gzip.compress(data))
        else:
            (inp / f"part-{k}.jsonl").write_bytes(data)
    for d in docs[:3]:
        name = d["id"].replace("/", "_") + ".txt"
        (inp / "txt" / name).write_text(d["text"], encoding="utf-8")
    return inp


@pytest.fixture()
def corpus(tmp_path: pathlib.Path, docs: List[Dict]) -> pathlib.Path:
    return write_corpus(tmp_path, docs)


def read_output(out: pathlib.Path) -> Dict[str, bytes]:
    """Every file of a run's output directory except stats.json (which holds
    wall-clock seconds), by relative path."""
    files = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "stats.json":
            files[str(p.relative_to(out))] = p.read_bytes()
    return files


def read_jsonl_gz(path: pathlib.Path) -> List[Dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def without_seconds(stats: Dict) -> Dict:
    return {k: v for k, v in stats.items() if k not in ("seconds", "ray")}
