"""Run a preset (default: `default`, which has dedup stages) locally and with
sift.ray.run on a local Ray instance, and check that the output files are
identical (all but stats.json and .sift/dedup.json, which hold seconds).

usage: python ray_preset_check.py INPUT WORK [PRESET]
"""
import json
import pathlib
import shutil
import sys
import time

import ray

import sift
import sift.ray


def files(out: pathlib.Path) -> dict:
    return {
        str(f.relative_to(out)): f.read_bytes()
        for f in sorted(out.rglob("*"))
        if f.is_file() and f.name not in ("stats.json", "dedup.json")
    }


def main() -> None:
    inp, work = sys.argv[1], pathlib.Path(sys.argv[2])
    preset = sys.argv[3] if len(sys.argv) > 3 else "default"
    shutil.rmtree(work, ignore_errors=True)
    p = sift.Pipeline.preset(preset)
    t = time.monotonic()
    local = p.run(inp, work / "local", threads=2)
    tl = time.monotonic() - t
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    t = time.monotonic()
    got = sift.ray.run(p, inp, work / "ray")
    tr = time.monotonic() - t
    same = files(work / "local") == files(work / "ray")
    steps = [{k: v for k, v in s.items() if k != "stages"} for s in got["ray"].get("dedup_steps", [])]
    print(json.dumps({
        "stages": p.stages, "same_output": same, "local_s": round(tl, 1), "ray_s": round(tr, 1),
        "docs_in": local["docs_in"], "kept": local["docs_kept"], "ray_kept": got["docs_kept"],
        "dedup_steps": steps, "tasks": got["ray"]["tasks"],
    }))
    assert same, "Ray output differs from the local run"


if __name__ == "__main__":
    main()
