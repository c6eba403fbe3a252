#!/usr/bin/env python3
"""Side-by-side benchmark: sift vs datatrove on the same input; writes BENCHMARKS.md.

Normally started through bench/compare.sh, which builds sift (release), makes
sure the datatrove virtualenv exists and passes --sift/--peer-python.

    python3 bench/compare.py --sift target/release/sift --peer-python ../peer-venv/bin/python \
        [--mb 100] [--peer-mb 10] [--runs 3] [--peer-runs 3] [--only fineweb,junk,minhash,default]
        [--rss-mb 100,1000] [--profile] [--out BENCHMARKS.md]

Workloads (sift side = `sift run` of a pipeline; peer side = datatrove's
LocalPipelineExecutor with one task and one worker):

  fineweb   gopher_repetition -> gopher_quality -> c4 -> fineweb_quality, plain JSONL in, plain out
  junk      sift's junk_lines cleaner alone; peer: C4QualityFilter reduced to its line rules
  minhash   MinHash near-duplicate removal; the peer's signature step is timed on its own
  default   the full default pipeline, .jsonl.gz in, default output compression

Every timing is of a whole process (fork + exec + wait4): wall time, user+sys
CPU time and peak RSS. "MB/s per core" is decompressed input JSONL megabytes
(10^6 bytes) divided by CPU seconds, so it does not depend on how busy the
other cores are; wall-clock rates are shown too. Each cell is the median of
--runs runs. While each run executes, /proc/stat is sampled to report how much
CPU *other* processes used (machine load), which is printed next to the numbers.

Also run with `peer RUN-SPEC` inside the datatrove virtualenv (internal).
Only the Python standard library is used on the driver side.
"""

from __future__ import annotations

import argparse
import collections
import datetime as _dt
import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1_000_000

# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------

FINEWEB_STAGES = ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]
PEER_FINEWEB = ["gopher_repetition", "gopher_quality", "c4", "fineweb"]


def stages_toml(types: list[str]) -> str:
    return "".join(f'[[stages]]\ntype = "{t}"\n\n' for t in types)


# Stage types benchmarked alone (stage_costs), with the settings they need.
STAGE_TYPES = [
    ("line_regex", "type = \"line_regex\"\npatterns = ['^\\[ad_?\\d+\\]$', '^(?i)source link$']"),
    ("min_words", "type = \"min_words\"\nmin = 50"),
    ("junk_lines", 'type = "junk_lines"'),
    ("gopher_repetition", 'type = "gopher_repetition"'),
    ("gopher_quality", 'type = "gopher_quality"'),
    ("c4_quality", 'type = "c4_quality"'),
    ("fineweb_quality", 'type = "fineweb_quality"'),
    ("c4_badwords", 'type = "c4_badwords"'),
    ("url_blocklist", 'type = "url_blocklist"'),
    ("language", 'type = "language"'),
    ("exact_dedup", 'type = "exact_dedup"'),
    ("minhash_dedup", 'type = "minhash_dedup"'),
    ("paragraph_dedup", 'type = "paragraph_dedup"'),
]

WORKLOADS = {
    "fineweb": dict(
        title="FineWeb chain",
        what="gopher_repetition → gopher_quality → c4 → fineweb_quality; .jsonl in, uncompressed out",
        sift_toml=stages_toml(FINEWEB_STAGES),
        sift_input="plain",
        compression="none",
        peer_task="fineweb",
    ),
    "junk": dict(
        title="junk-line cleaner alone",
        what="sift `junk_lines`; peer: C4QualityFilter line rules only (its nearest line cleaner); "
        ".jsonl in, uncompressed out",
        sift_toml=stages_toml(["junk_lines"]),
        sift_input="plain",
        compression="none",
        peer_task="junk",
    ),
    "minhash": dict(
        title="MinHash dedup",
        what="sift `minhash_dedup` end to end (signatures, LSH, clusters, filter); peer: "
        "MinhashDedupSignature (stage 1 of 4) for the rate, all 4 stages for agreement; "
        ".jsonl in, uncompressed out",
        sift_toml=stages_toml(["minhash_dedup"]),
        sift_input="plain",
        compression="none",
        peer_task="minhash",
    ),
    "default": dict(
        title="full default pipeline",
        what="sift `--preset default`, .jsonl.gz in, default output compression (zstd 3); peer: reader(gz) → "
        "FineWeb chain → MinHash (4 stages) → gzip writer",
        sift_preset="default",
        sift_input="gz",
        compression=None,  # the CLI default
        peer_task="full",
    ),
}

# --------------------------------------------------------------------------------------
# Measuring processes
# --------------------------------------------------------------------------------------


def _cpu_busy_seconds() -> float | None:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    try:
        with open("/proc/stat") as f:
            parts = f.readline().split()
    except OSError:
        return None
    v = [int(x) for x in parts[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


class Run:
    """One finished process: wall, user, sys, peak RSS, and the machine's other load."""

    def __init__(self, wall, user, sys_, rss_kb, rc, others, load1, out, err):
        self.wall, self.user, self.sys, self.rss_kb, self.rc = wall, user, sys_, rss_kb, rc
        self.others = others  # cores' worth of CPU used by other processes during the run
        self.load1 = load1
        self.out, self.err = out, err

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def _thread_cpu(pid: int) -> dict:
    """tid -> CPU seconds (user+sys) of every live thread of `pid`."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[tid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def measure(cmd: list[str], env: dict | None = None, cwd: str | None = None,
            per_thread: bool = False) -> Run:
    """Run `cmd` to completion; resource usage from wait4 (includes reaped grandchildren).

    With `per_thread`, /proc is polled every 20 ms for each thread's CPU time
    (kept in `Run.thread_cpu`): the busiest thread bounds the wall time on an
    idle machine, which gives a load-independent estimate of parallel speed-up.
    """
    threads: dict = {}
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        load1 = os.getloadavg()[0]
        busy0 = _cpu_busy_seconds()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, cwd=cwd)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG if per_thread else 0)
            if pid != 0:
                break
            threads.update(_thread_cpu(p.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        busy1 = _cpu_busy_seconds()
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace")
        err = fe.read().decode("utf-8", "replace")
    ours = ru.ru_utime + ru.ru_stime
    others = None
    if busy0 is not None and busy1 is not None and wall > 0:
        others = max(0.0, (busy1 - busy0 - ours) / wall)
    r = Run(wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, p.returncode, others, load1, out, err)
    r.thread_cpu = sorted(threads.values(), reverse=True)
    return r


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec=".1f", none="–"):
    return none if x is None else format(x, spec)


def log(msg: str) -> None:
    print(f"[compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------


def make_corpus(args, size_mb: int) -> Path:
    """bench-N.jsonl (+ .truth.jsonl) from make_bench_corpus.py, cached in --data-dir."""
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    out = data / f"bench-{size_mb}.jsonl"
    if not (out.exists() and Path(str(out) + ".truth.jsonl").exists()):
        log(f"building {size_mb} MB corpus -> {out}")
        subprocess.run(
            [sys.executable, str(args.corpus_script), str(size_mb), "--out", str(out)],
            check=True,
        )
    return out


def gz_of(path: Path) -> Path:
    """`path`.gz at gzip level 6 (what a crawler dump usually is), cached."""
    gz = Path(str(path) + ".gz")
    if not gz.exists() or gz.stat().st_mtime < path.stat().st_mtime:
        log(f"compressing {path.name} -> {gz.name}")
        tmp = Path(str(gz) + ".tmp")
        if shutil.which("gzip"):
            with open(tmp, "wb") as f:
                subprocess.run(["gzip", "-6", "-c", str(path)], stdout=f, check=True)
        else:
            with open(path, "rb") as src, gzip.open(tmp, "wb", compresslevel=6) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        tmp.replace(gz)
    return gz


def prefix_corpus(src: Path, size_mb: float, dest_dir: Path) -> Path:
    """The first documents of `src` up to `size_mb` MB, in its own folder (datatrove reads folders)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / "input.jsonl"
    stamp = dest_dir / ".source"
    want = f"{src} {src.stat().st_size} {src.stat().st_mtime} {size_mb}"
    if dest.exists() and stamp.exists() and stamp.read_text() == want:
        return dest
    limit = int(size_mb * MB)
    n = 0
    with open(src, "rb") as f, open(dest, "wb") as o:
        for line in f:
            if n >= limit:
                break
            o.write(line)
            n += len(line)
    stamp.write_text(want)
    return dest


def read_jsonl(path: Path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def truth_of(corpus: Path) -> dict:
    t = {}
    for r in read_jsonl(Path(str(corpus) + ".truth.jsonl")):
        t[str(r["id"])] = r
    return t


# --------------------------------------------------------------------------------------
# sift side
# --------------------------------------------------------------------------------------


class Sift:
    def __init__(self, args, work: Path):
        self.bin = args.sift
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)

    def pipeline_args(self, wl: dict) -> list[str]:
        if wl.get("sift_preset"):
            return ["--preset", wl["sift_preset"]]
        digest = hashlib.sha1(wl["sift_toml"].encode()).hexdigest()[:12]
        p = self.work / f"pipeline-{digest}.toml"
        p.write_text(wl["sift_toml"])
        return [str(p)]

    def cmd(self, wl: dict, inp: Path, out: Path, threads: int = 1, compression=None) -> list[str]:
        c = [self.bin, "run", *self.pipeline_args(wl), "--input", str(inp), "--output", str(out)]
        c += ["--threads", str(threads), "--overwrite", "--quiet"]
        comp = compression if compression is not None else wl.get("compression")
        if comp:
            c += ["--compression", comp]
        return c

    def available(self, wl: dict) -> str | None:
        """None when sift can run the workload, else why not."""
        probe = self.work / "probe.jsonl"
        probe.write_text(json.dumps({"id": "p", "text": "One two three four five six.\n" * 30}) + "\n")
        r = measure(self.cmd(wl, probe, self.work / "probe-out", compression="none"))
        if r.rc == 0:
            return None
        msg = (r.err.strip().splitlines() or ["exit code %d" % r.rc])[-1]
        m = re.search(r"unknown variant `(\w+)`", msg)
        if m:
            return f"not available: sift has no stage type `{m.group(1)}` yet"
        m = re.search(r"unknown preset.*", msg)
        return "not available: " + (m.group(0) if m else msg.replace("sift: error: ", ""))

    def presets(self) -> str:
        r = measure([self.bin, "presets"])
        return r.out


def sift_decisions(out_dir: Path) -> dict:
    """id -> (keep, stage, reason, text, removed_line_texts) from a sift output directory."""
    d = {}
    for cat in ("kept", "removed"):
        folder = out_dir / cat
        if not folder.exists():
            continue
        for f in sorted(folder.iterdir()):
            if not (f.name.endswith(".jsonl") or f.name.endswith(".jsonl.gz")):
                continue
            for r in read_jsonl(f):
                s = r.get("sift") or {}
                d[str(r.get("id"))] = dict(
                    keep=cat == "kept",
                    stage=s.get("stage"),
                    reason=s.get("reason"),
                    text=r.get("text", ""),
                )
    return d


# --------------------------------------------------------------------------------------
# peer side (this part runs inside the datatrove virtualenv: `compare.py peer SPEC`)
# --------------------------------------------------------------------------------------


def peer_main(spec_json: str) -> int:
    import resource

    spec = json.loads(spec_json)
    task, inp, work = spec["task"], spec["input"], spec["work"]

    import datatrove.pipeline.filters  # noqa: F401 (installs datatrove's log handler)
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline import filters as F
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    def reader(path):
        return JsonlReader(os.path.dirname(path), glob_pattern=os.path.basename(path), add_file_path=False)

    def writer(sub, compression=None):
        return JsonlWriter(os.path.join(work, sub), compression=compression)

    def fineweb_filters(excl: bool):
        w = (lambda n: writer(f"excluded/{n}")) if excl else (lambda n: None)
        return [
            F.GopherRepetitionFilter(exclusion_writer=w("0_gopher_repetition")),
            F.GopherQualityFilter(exclusion_writer=w("1_gopher_quality")),
            F.C4QualityFilter(exclusion_writer=w("2_c4")),
            F.FineWebQualityFilter(exclusion_writer=w("3_fineweb")),
        ]

    phases = {}

    def execute(name, pipeline, tasks=1):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=1,
            logging_dir=os.path.join(work, "logs", name),
            skip_completed=False,
        ).run()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) + (
            c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
        )
        phases[name] = dict(cpu=cpu, wall=time.perf_counter() - t0)

    def minhash(src, out_kept, compression=None, first=None):
        # (not `datatrove.pipeline.dedup`: its __init__ pulls in `tokenizers` for other steps)
        from datatrove.pipeline.dedup.minhash import (
            MinhashConfig,
            MinhashDedupBuckets,
            MinhashDedupCluster,
            MinhashDedupFilter,
            MinhashDedupSignature,
        )

        cfg = MinhashConfig()
        sig = os.path.join(work, "mh_sigs")
        buckets = os.path.join(work, "mh_buckets")
        remove = os.path.join(work, "mh_remove_ids")
        execute("signatures", (first or [reader(src)]) + [MinhashDedupSignature(output_folder=sig, config=cfg)])
        execute("buckets", [MinhashDedupBuckets(input_folder=sig, output_folder=buckets, config=cfg)],
                tasks=cfg.num_buckets)
        execute("clusters", [MinhashDedupCluster(input_folder=buckets, output_folder=remove, config=cfg)])
        execute(
            "filter",
            [
                reader(src),
                MinhashDedupFilter(input_folder=remove, exclusion_writer=writer("excluded/minhash")),
                writer(out_kept, compression),
            ],
        )

    if task == "fineweb":
        execute("fineweb", [reader(inp), *fineweb_filters(True), writer("kept")])
    elif task == "junk":
        c4_lines = F.C4QualityFilter(min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False)
        execute("junk", [reader(inp), c4_lines, writer("kept")])
    elif task == "minhash":
        minhash(inp, "kept")
    elif task == "full":
        filtered = os.path.join(work, "filtered", "00000.jsonl.gz")
        first = [reader(inp), *fineweb_filters(False), JsonlWriter(os.path.dirname(filtered),
                 output_filename="00000.jsonl.gz", compression="gzip")]
        minhash(filtered, "kept", compression="gzip", first=first)
    else:
        raise SystemExit(f"unknown peer task {task}")
    print(json.dumps({"phases": phases}))
    return 0


def peer_decisions(work: Path) -> dict:
    """id -> dict(keep, stage, reason, text) from a peer work folder."""
    d = {}
    excl = work / "excluded"
    if excl.exists():
        for sub in sorted(excl.iterdir()):
            for f in sorted(sub.glob("*.jsonl*")):
                for r in read_jsonl(f):
                    md = r.get("metadata") or {}
                    d[str(r["id"])] = dict(keep=False, stage=sub.name, reason=md.get("filter_reason"),
                                           text=r.get("text", ""))
    for f in sorted((work / "kept").glob("*.jsonl*")):
        for r in read_jsonl(f):
            d[str(r["id"])] = dict(keep=True, stage=None, reason=None, text=r.get("text", ""))
    return d


# --------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------


def doc_agreement(ids, sd, pd, stage_map=None) -> str:
    n = same = both_drop = same_stage = 0
    sk = pk = 0
    for i in ids:
        s = sd.get(i, {}).get("keep", False)
        p = pd.get(i, {}).get("keep", False)
        n += 1
        sk += s
        pk += p
        same += s == p
        if not s and not p and stage_map is not None:
            both_drop += 1
            ss = sd.get(i, {}).get("stage")
            ps = pd.get(i, {}).get("stage")
            same_stage += stage_map.get(ss) == ps
    if n == 0:
        return "no documents"
    txt = f"{100 * same / n:.2f} % same keep/drop ({n} docs; kept: sift {sk}, peer {pk})"
    if stage_map is not None and both_drop:
        txt += f"; same stage where both drop: {100 * same_stage / both_drop:.1f} %"
    return txt


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def line_scores(ids, inputs, decisions, truth) -> dict:
    """Line-level removal vs the corpus truth (injected junk lines), from input/output texts."""
    junk_tot = junk_rm = good_tot = good_rm = 0
    removed_sets = {}
    for i in ids:
        src = _lines(inputs[i])
        dec = decisions.get(i)
        if dec is None or not dec["keep"]:
            out = collections.Counter()
        else:
            out = collections.Counter(_lines(dec["text"]))
        junk = set(ln.strip() for ln in (truth.get(i, {}).get("junk_lines") or []))
        removed = []
        for k, ln in enumerate(src):
            if out[ln] > 0:
                out[ln] -= 1
                kept = True
            else:
                kept = False
                removed.append(k)
            if ln in junk:
                junk_tot += 1
                junk_rm += not kept
            else:
                good_tot += 1
                good_rm += not kept
        removed_sets[i] = set(removed)
    return dict(
        recall=junk_rm / junk_tot if junk_tot else None,
        good_removed=good_rm / good_tot if good_tot else None,
        removed=removed_sets,
        lines=junk_tot + good_tot,
    )


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def machine_info(args) -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass

    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return "?"

    rustc = out(["rustc", "--version"])
    commit = out(["git", "rev-parse", "--short", "HEAD"])
    peer = "?"
    if args.peer_python:
        peer = out([args.peer_python, "-c",
                    "import datatrove, spacy, sys; from importlib.metadata import version as v; "
                    "print(f'datatrove {v(\"datatrove\")}, spaCy {spacy.__version__}, Python {sys.version.split()[0]}')"])
    return [
        f"- Machine: {cpu}, {os.cpu_count()} logical cores, {mem}, Linux {platform.release()}",
        f"- sift: {args.sift_label or f'commit `{commit}`'}, {rustc}, `--release` (thin LTO)",
        f"- peer: {peer}",
    ]


def load_note(runs: list[Run]) -> str:
    o = [r.others for r in runs if r.others is not None]
    if not o:
        return "?"
    return f"{statistics.median(o):.1f}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.data_dir) / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.sift = Sift(args, self.work / "sift")
        self.all_runs: list[Run] = []
        self.md: list[str] = []
        self.res: dict = {}  # measured values the findings are written from
        self.size = 0.0  # MB of the main corpus
        self.criterion: list[str] | None = None

    def repeat(self, cmd, n, label) -> list[Run]:
        runs = []
        for k in range(n):
            r = measure(cmd)
            if r.rc != 0:
                raise RuntimeError(f"{label} failed (exit {r.rc}): {r.err.strip()[-2000:]}")
            log(f"{label} run {k + 1}/{n}: {r.wall:.2f} s wall, {r.cpu:.2f} s CPU, "
                f"{r.rss_kb / 1024:.0f} MB RSS, others {fmt(r.others)} cores")
            runs.append(r)
            self.all_runs.append(r)
        return runs

    def peer_cmd(self, task, inp: Path, work: Path) -> list[str]:
        spec = json.dumps({"task": task, "input": str(inp), "work": str(work)})
        return [self.args.peer_python, str(Path(__file__).resolve()), "peer", spec]

    def run_peer(self, task, inp: Path, n: int):
        runs, phases = [], []
        work = self.work / f"peer-{task}"
        for k in range(n):
            if work.exists():
                shutil.rmtree(work)
            r = measure(self.peer_cmd(task, inp, work))
            if r.rc != 0:
                raise RuntimeError(f"peer {task} failed (exit {r.rc}): {r.err.strip()[-3000:]}")
            last = [ln for ln in r.out.splitlines() if ln.startswith("{")]
            phases.append(json.loads(last[-1])["phases"] if last else {})
            log(f"peer {task} run {k + 1}/{n}: {r.wall:.1f} s wall, {r.cpu:.1f} s CPU, "
                f"{r.rss_kb / 1024:.0f} MB RSS, others {fmt(r.others)} cores")
            runs.append(r)
            self.all_runs.append(r)
        return runs, phases, work

    # ----------------------------------------------------------------------------------

    def main_table(self, corpus: Path, peer_in: Path, truth: dict):
        a = self.args
        size = corpus.stat().st_size / MB
        self.size = size
        peer_size = peer_in.stat().st_size / MB
        inputs = {str(r["id"]): r["text"] for r in read_jsonl(peer_in)}
        ids = list(inputs)
        rows, notes = [], []
        for key in a.only:
            wl = WORKLOADS[key]
            why = self.sift.available(wl)
            if why:
                log(f"{key}: not available in sift: {why}")
                rows.append([wl["title"], "–", "", "", "", "", "", "", "", why])
                continue
            inp = corpus if wl["sift_input"] == "plain" else gz_of(corpus)
            out = self.work / f"sift-{key}"
            runs = self.repeat(self.sift.cmd(wl, inp, out), a.runs, f"sift {key}")
            s_cpu = med([r.cpu for r in runs])
            s_wall = med([r.wall for r in runs])
            s_rate = size / s_cpu
            self.res[f'rate_{key}'] = s_rate
            self.res[f'cpu_{key}'] = s_cpu / size
            # decisions on the peer's subset
            sub_in = peer_in if wl["sift_input"] == "plain" else gz_of(peer_in)
            sub_out = self.work / f"sift-{key}-subset"
            r = measure(self.sift.cmd(wl, sub_in, sub_out, compression="none"))
            sd = sift_decisions(sub_out) if r.rc == 0 else {}
            p_rate = p_rss = p_whole = None
            agree = "peer not run"
            extra = ""
            if a.peer_python and a.peer_runs > 0:
                task = wl["peer_task"]
                pin = peer_in if wl["sift_input"] == "plain" else gz_of(peer_in)
                pruns, phases, pwork = self.run_peer(task, pin, a.peer_runs)
                p_cpu = med([r.cpu for r in pruns])
                p_whole = peer_size / p_cpu
                if task == "minhash":
                    # the rate compared is the signature step alone, as datatrove users quote it
                    p_in = med([ph.get("signatures", {}).get("cpu") for ph in phases])
                    all4 = med([sum(v["cpu"] for v in ph.values()) for ph in phases])
                    extra = (f"peer all 4 stages: {peer_size / all4:.2f} MB/s/core; peer rate shown = "
                             "MinhashDedupSignature alone")
                else:
                    p_in = med([sum(v["cpu"] for v in ph.values()) for ph in phases])
                p_rate = peer_size / p_in if p_in else None
                p_rss = med([r.rss_kb for r in pruns]) / 1024
                pd = peer_decisions(pwork)
                if key == "fineweb":
                    stage_map = dict(zip(FINEWEB_STAGES, ["0_gopher_repetition", "1_gopher_quality", "2_c4",
                                                          "3_fineweb"]))
                    agree = doc_agreement(ids, sd, pd, stage_map)
                elif key == "junk":
                    ls = line_scores(ids, inputs, sd, truth)
                    lp = line_scores(ids, inputs, pd, truth)
                    same = tot = 0
                    for i in ids:
                        n_lines = len(_lines(inputs[i]))
                        tot += n_lines
                        same += n_lines - len(ls["removed"][i] ^ lp["removed"][i])
                    agree = (f"lines with the same keep/remove: {100 * same / max(tot, 1):.1f} % of {tot} "
                             f"(different rules by design). Injected junk lines removed: sift "
                             f"{fmt(100 * ls['recall'] if ls['recall'] is not None else None)} %, C4 lines "
                             f"{fmt(100 * lp['recall'] if lp['recall'] is not None else None)} %; real lines "
                             f"removed: sift {fmt(100 * ls['good_removed'] if ls['good_removed'] is not None else None, '.2f')} %, "
                             f"C4 lines {fmt(100 * lp['good_removed'] if lp['good_removed'] is not None else None, '.2f')} %")
                else:
                    agree = doc_agreement(ids, sd, pd)
                    if key == "default":
                        agree += " (sift's default is not the FineWeb recipe: agreement is informative only)"
            if key == "minhash" and Path(a.sig_bin).exists():
                # Signatures alone, the step the peer's rate is of (and the target's).
                sruns = self.repeat([a.sig_bin, str(corpus)], a.runs, "sift minhash signatures")
                sig_rate = size / med([r.cpu for r in sruns])
                self.res["rate_minhash_sig"] = sig_rate
                extra = (f"sift signatures alone (`minhash_throughput` example, whole process: read + "
                         f"parse + sign): "
                         f"{sig_rate:.1f} MB/s/core"
                         + (f", {sig_rate / p_rate:.0f}× the peer's signature step" if p_rate else "")
                         + ("; " + extra if extra else ""))
            if key == "minhash" and truth:
                near = [i for i in ids if truth.get(i, {}).get("kind") in ("near_dup", "exact_dup")]
                if near and sd:
                    got = sum(1 for i in near if not sd.get(i, {}).get("keep", True))
                    extra += f"; sift removes {100 * got / len(near):.1f} % of the subset's true duplicates"
            ratio = s_rate / p_rate if p_rate else None
            rows.append([
                wl["title"],
                f"{s_rate:.1f}",
                f"{size / s_wall:.1f}",
                fmt(p_rate, ".2f"),
                fmt(p_whole, ".2f"),
                fmt(ratio, ".0f" if ratio and ratio >= 10 else ".2f") + ("×" if ratio else ""),
                f"{med([r.rss_kb for r in runs]) / 1024:.0f} MB",
                fmt(p_rss, ".0f") + (" MB" if p_rss else ""),
                load_note(runs),
                agree + ("; " + extra if extra else ""),
            ])
            notes.append(f"- **{wl['title']}**: {wl['what']}.")
        self.md += [
            "## sift vs datatrove",
            "",
            f"sift input: {size:.1f} MB ({corpus.name}); peer input and decision agreement: the first "
            f"{peer_size:.1f} MB of it ({sum(1 for _ in ids)} documents). "
            f"Medians of {a.runs} sift runs and {a.peer_runs} peer runs, single-threaded (`--threads 1`; "
            "datatrove: 1 task, 1 worker). MB/s per core = input MB / (user+sys CPU s). sift: whole process. "
            "Peer: CPU of its pipeline run measured inside the process (interpreter start and imports "
            "excluded, which favours the peer), and in the next column the whole process. "
            "sift/peer uses the former.",
            "",
            "| workload | sift MB/s/core | sift MB/s wall | peer MB/s/core | peer, whole process | sift/peer "
            "| sift peak RSS | peer peak RSS | other load (cores) | decision agreement |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        self.md += ["| " + " | ".join(r) + " |" for r in rows]
        self.md += ["", *notes, ""]

    def threads_table(self, corpus: Path):
        a = self.args
        wl = WORKLOADS["default"]
        if self.sift.available(wl):
            return
        size = corpus.stat().st_size / MB
        inp = gz_of(corpus)
        res = {}
        for t in (1, 2):
            cmd = self.sift.cmd(wl, inp, self.work / f"sift-threads{t}", threads=t)
            runs = []
            for k in range(a.runs):
                r = measure(cmd, per_thread=True)
                if r.rc != 0:
                    raise RuntimeError(f"sift --threads {t} failed: {r.err[-2000:]}")
                log(f"sift default --threads {t} run {k + 1}/{a.runs}: {r.wall:.2f} s wall, "
                    f"{r.cpu:.2f} s CPU, busiest thread {fmt(r.thread_cpu[0] if r.thread_cpu else None, '.2f')} s, "
                    f"others {fmt(r.others)} cores")
                runs.append(r)
                self.all_runs.append(r)
            res[t] = runs
        w1, w2 = med([r.wall for r in res[1]]), med([r.wall for r in res[2]])
        c1 = med([r.cpu for r in res[1]])
        busiest2 = med([r.thread_cpu[0] for r in res[2] if r.thread_cpu])
        est = c1 / busiest2 if busiest2 else None
        self.res['speedup_est'] = est
        self.res['speedup_wall'] = w1 / w2
        self.md += [
            "## Scaling (full default pipeline, one .jsonl.gz input file)",
            "",
            "| threads | wall s | MB/s wall | CPU s | busiest thread CPU s | speed-up (wall) | "
            "speed-up (CPU, load-independent) | other load (cores) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| 1 | {w1:.2f} | {size / w1:.1f} | {c1:.2f} | "
            f"{fmt(med([r.thread_cpu[0] for r in res[1] if r.thread_cpu]), '.2f')} | 1.00× | 1.00× | "
            f"{load_note(res[1])} |",
            f"| 2 | {w2:.2f} | {size / w2:.1f} | {med([r.cpu for r in res[2]]):.2f} | {fmt(busiest2, '.2f')} | "
            f"{w1 / w2:.2f}× | {fmt(est, '.2f')}× | {load_note(res[2])} |",
            "",
            "Wall-clock speed-up is only meaningful when other load is near 0. The load-independent "
            "figure is single-thread CPU time divided by the CPU time of the busiest thread of the "
            "2-thread run: on an idle machine the run cannot finish before its busiest thread, so this "
            "is the speed-up the work distribution allows (an upper bound if threads also wait on "
            "each other).",
            "",
        ]

    def compression_table(self, corpus: Path):
        a = self.args
        size = corpus.stat().st_size / MB
        rows = []
        # The codec's cost does not depend on the stages: measure it on the spine-only preset.
        for key, wl in (("minimal", dict(sift_preset="minimal")),):
            if self.sift.available(wl):
                continue
            base = None
            for comp, level in (("none", None), ("gzip", None), ("zstd", None), ("gzip", "6"), ("zstd", "1")):
                cmd = self.sift.cmd(wl, corpus, self.work / "sift-comp", compression=comp)
                if level:
                    cmd += ["--level", level]
                label = comp + (f" -{level}" if level else " (default level)")
                runs = self.repeat(cmd, a.runs, f"sift {key} {label}")
                cpu = med([r.cpu for r in runs])
                outb = sum(f.stat().st_size for f in (self.work / "sift-comp").rglob("*.jsonl*") if f.is_file())
                if comp == "none":
                    base = cpu
                self.res.setdefault("comp", {})[(key, label)] = (cpu - (base if base is not None else cpu), outb)
                rows.append(f"| {key} | {label} | {cpu:.2f} | {size / cpu:.1f} | "
                            f"{'–' if base is None or comp == 'none' else f'{cpu - base:+.2f}'} | "
                            f"{outb / MB:.1f} | {load_note(runs)} |")
        if rows:
            self.md += [
                "## Output compression cost",
                "",
                f"{size:.0f} MB of plain JSONL in, one thread; CPU s = median user+sys of the process; "
                "Δ = extra CPU over uncompressed output; output = all files written (kept + removed).",
                "",
                "| pipeline | output codec | CPU s | MB/s/core | Δ CPU s | output MB | other load |",
                "|---|---|---:|---:|---:|---:|---:|",
                *rows,
                "",
            ]

    def memory_table(self):
        a = self.args
        wl = WORKLOADS["default"]
        if not a.rss_mb or self.sift.available(wl):
            return
        rows = []
        for size_mb in a.rss_mb:
            corpus = make_corpus(a, size_mb)
            inp = gz_of(corpus)
            for t in (a.rss_threads,):
                r = self.repeat(self.sift.cmd(wl, inp, self.work / "sift-rss", threads=t), 1,
                                f"sift default {size_mb} MB threads {t}")[0]
                self.res.setdefault("rss", {})[(size_mb, t)] = r.rss_kb / 1024
                rows.append(f"| {corpus.stat().st_size / MB:.0f} MB | {t} | {r.rss_kb / 1024:.0f} MB | "
                            f"{r.wall:.1f} | {r.cpu:.1f} | {fmt(r.others)} |")
        self.md += [
            "## Memory (full default pipeline, .jsonl.gz in)",
            "",
            "| input | threads | peak RSS | wall s | CPU s | other load |",
            "|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
        ]

    def stage_costs(self, corpus: Path):
        """CPU cost of each stage type alone: (stage alone) - (no stage), same input and output."""
        a = self.args
        size = corpus.stat().st_size / MB
        spine = dict(sift_toml='description = "spine only: read, parse, serialise"\n', compression="none")
        measure(self.sift.cmd(spine, corpus, self.work / "sift-stage"))  # warm-up (page cache)
        base_runs = self.repeat(self.sift.cmd(spine, corpus, self.work / "sift-stage"), a.runs, "sift no stage")
        base = med([r.cpu for r in base_runs])
        self.res["spine_cpu_per_mb"] = base / size
        rows = [f"| (spine: read .jsonl, parse, serialise, write uncompressed) | {base:.2f} | – | "
                f"{size / base:.0f} | {load_note(base_runs)} |"]
        for name, toml in STAGE_TYPES:
            wl = dict(sift_toml=f"[[stages]]\n{toml}\n", compression="none")
            why = self.sift.available(wl)
            if why:
                rows.append(f"| `{name}` | – | – | – | {why} |")
                continue
            runs = self.repeat(self.sift.cmd(wl, corpus, self.work / "sift-stage"), a.runs, f"sift stage {name}")
            cpu = med([r.cpu for r in runs])
            extra = cpu - base
            self.res.setdefault("stage_cpu_per_mb", {})[name] = extra / size
            rate = f"{size / extra:.0f}" if extra > 0.05 else "≫"
            rows.append(f"| `{name}` | {cpu:.2f} | {extra:+.2f} | {rate} | {load_note(runs)} |")
        self.md += [
            "## Cost of each stage alone",
            "",
            f"`sift run` of a one-stage pipeline on {size:.0f} MB of .jsonl, one thread, uncompressed output, "
            f"median of {a.runs}. Stage CPU = that run minus the run with no stage (the spine). The stage's "
            "own rate (MB/s/core) is input MB / stage CPU; a chain costs about the sum of its stages' "
            "CPU (less, when early stages drop documents). A stage cheaper than the run-to-run "
            "noise shows a negative cost and `≫` as its rate.",
            "",
            "| stage | CPU s | stage CPU s | stage MB/s/core | other load |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
        ]
        self.stage_profiles(corpus, wl_of=lambda n: dict(sift_toml=f"[[stages]]\n{dict(STAGE_TYPES)[n]}\n",
                                                          compression="none"))

    def stage_profiles(self, corpus: Path, wl_of):
        """perf (self time) of the most expensive stages alone: where inside them the time goes."""
        costs = self.res.get("stage_cpu_per_mb", {})
        if not self.args.profile or not shutil.which("perf") or not costs:
            return
        top = [n for n, v in sorted(costs.items(), key=lambda kv: -kv[1]) if v > 0.002][:6]
        rows = []
        for name in top:
            data = self.work / f"perf-{name}.data"
            r = measure(["perf", "record", "-q", "-F", "999", "-o", str(data), "--",
                         *self.sift.cmd(wl_of(name), corpus, self.work / "sift-perf")])
            if r.rc != 0:
                continue
            rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                                  "--sort", "symbol", "--percent-limit", "2"],
                                 capture_output=True, text=True).stdout
            syms = []
            for line in rep.splitlines():
                m = re.match(r"\s*([\d.]+)%\s+\[.\]\s+(.*)", line)
                if m:
                    syms.append((float(m.group(1)), m.group(2).strip()))
            self.res.setdefault("stage_syms", {})[name] = syms
            cell = "<br>".join(f"{pct:.0f} % `{short_sym(sym)}`" for pct, sym in syms[:5])
            rows.append(f"| `{name}` | {1000 * costs[name]:.1f} | {cell} |")
        self.md += [
            "## Inside the most expensive stages (perf, self time)",
            "",
            "`perf record` of `sift run` with the stage alone (same runs as above); symbols with at "
            "least 2 % of the samples, which include the spine's share.",
            "",
            "| stage | stage CPU ms/MB | top symbols |",
            "|---|---:|---|",
            *rows,
            "",
        ]

    def profile(self, corpus: Path):
        """perf: inclusive CPU share of each stage and of the spine's parts, full default pipeline."""
        if not shutil.which("perf") or self.sift.available(WORKLOADS["default"]):
            return
        data = self.work / "perf.data"
        cmd = ["perf", "record", "-q", "-F", "400", "--call-graph", "dwarf,16384", "-o", str(data), "--",
               *self.sift.cmd(WORKLOADS["default"], gz_of(corpus), self.work / "sift-perf")]
        r = measure(cmd)
        if r.rc != 0:
            log(f"perf failed: {r.err[-500:]}")
            return
        rep = subprocess.run(["perf", "report", "-i", str(data), "--children", "--stdio", "--no-demangle",
                              "-g", "none", "--percent-limit", "0.3", "--sort", "symbol"],
                             capture_output=True, text=True).stdout
        rows = []
        total_self = collections.Counter()
        for line in rep.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[.\]\s+(.*)", line)
            if not m:
                continue
            incl, self_, sym = float(m.group(1)), float(m.group(2)), m.group(3).strip()
            dsym = demangle(sym)
            cat = categorize(dsym)
            total_self[cat] += self_
            if "Stage>::process" in dsym or "as sift_core::stage::Stage>::process" in dsym:
                rows.append((incl, dsym))
        seen, stage_rows = set(), []
        for incl, s in sorted(rows, reverse=True):
            m = re.search(r"<([\w:]+) as sift_core::stage::Stage>::process", s)
            name = m.group(1) if m else s
            if name in seen:
                continue
            seen.add(name)
            stage_rows.append(f"| `{name}` | {incl:.1f} % |")
        self.md += [
            "## Where the time goes (perf, full default pipeline, one thread)",
            "",
            f"`perf record --call-graph dwarf` of `sift run --preset default` on {gz_of(corpus).name}. "
            "Stage rows are inclusive (the stage and everything it calls; DWARF unwinding of deep "
            "stacks is incomplete, so they are lower bounds); the breakdown by component is self time "
            "(each sample counted once).",
            "",
            "| stage (`Stage::process`, inclusive) | CPU share |",
            "|---|---:|",
            *stage_rows,
            "",
            "| component (self time) | CPU share |",
            "|---|---:|",
            *[f"| {k} | {v:.1f} % |" for k, v in total_self.most_common()],
            "",
        ]

    def findings(self) -> list[str]:
        """Targets and conclusions, written from this run's measurements only."""
        r = self.res
        out = ["## Targets (issue #7) and findings", ""]

        def target(label, value, goal, unit, more_is_better=True):
            if value is None:
                return f"- {label}: not measured in this run (target {goal}{unit})."
            ok = value >= goal if more_is_better else value <= goal
            return f"- {label}: **{value:.2f}{unit}** (target {goal}{unit}): {'met' if ok else 'NOT met'}."

        out.append(target("FineWeb chain, single thread", r.get("rate_fineweb"), 40, " MB/s/core"))
        out.append(target("MinHash signatures alone, single thread", r.get("rate_minhash_sig"), 50,
                          " MB/s/core"))
        if r.get("rate_minhash") is not None:
            out.append(f"- MinHash dedup end to end (signatures, LSH, clusters, filter; no target): "
                       f"**{r['rate_minhash']:.2f} MB/s/core**.")
        out.append(target("Full default pipeline end to end, single thread", r.get("rate_default"), 25,
                          " MB/s/core"))
        out.append(target("2 threads vs 1 (load-independent estimate)", r.get("speedup_est"), 1.8, "×"))
        rss = r.get("rss", {})
        if rss:
            sizes = sorted({k[0] for k in rss})
            parts = [f"{rss[(m, t)]:.0f} MB at {m} MB with {t} thread(s)" for m in sizes for t in (1, 2, 4)
                     if (m, t) in rss]
            flat = max(rss.values()) <= 1.5 * min(rss.values()) + 20
            out.append(f"- Peak RSS of the default pipeline: {'; '.join(parts)}: "
                       f"{'flat in input size' if flat else 'GROWS with input size'}.")
        out.append("")
        comp = r.get("comp", {})
        g1, z3, z1, g6 = (comp.get(("default", k)) or comp.get(("minimal", k)) for k in
                          ("gzip (default level)", "zstd (default level)", "zstd -1", "gzip -6"))
        if g1 and z3:
            out.append(
                f"- **Output compression.** Per MB of input, gzip level 1 (zlib-rs, `--compression gzip`) "
                f"adds {1000 * g1[0] / (self.size or 1):.1f} ms of CPU and writes {g1[1] / MB:.1f} MB; zstd "
                f"level 3 adds {1000 * z3[0] / (self.size or 1):.1f} ms and writes {z3[1] / MB:.1f} MB"
                + (f"; zstd level 1 adds {1000 * z1[0] / (self.size or 1):.1f} ms, {z1[1] / MB:.1f} MB" if z1 else "")
                + (f"; gzip level 6 adds {1000 * g6[0] / (self.size or 1):.1f} ms" if g6 else "")
                + ". **zstd level 3** is the CLI's default output since this measurement confirmed it "
                + ("(no more CPU than gzip -1 and " if z3[0] <= g1[0] * 1.15 else "(")
                + f"{g1[1] / max(z3[1], 1):.1f}× smaller files; it also decompresses several times "
                "faster for whoever reads the corpus next); `--compression gzip` remains for tools "
                "that only read .gz.")
        spine = r.get("spine_cpu_per_mb")
        stages = r.get("stage_cpu_per_mb", {})
        if spine:
            out.append(f"- **Spine.** Reading .jsonl, parsing, serialising and writing uncompressed costs "
                       f"{1000 * spine:.1f} ms of CPU per MB ({1 / spine:.0f} MB/s/core) before any stage runs"
                       + (f"; that is {100 * spine / r['cpu_default']:.0f} % of the full default pipeline's CPU"
                          if r.get("cpu_default") else "") + ".")
        if stages:
            ranked = sorted(stages.items(), key=lambda kv: -kv[1])
            out.append("- **Stages, most expensive first** (CPU ms per MB of input, stage alone): "
                       + ", ".join(f"`{n}` {1000 * v:.1f}" for n, v in ranked if v > 0) + ".")
            chain = [stages.get(n) for n in FINEWEB_STAGES]
            if all(c is not None for c in chain) and spine:
                total = sum(chain) + spine
                out.append(f"- **FineWeb chain budget.** Its four stages alone sum to {1000 * sum(chain):.1f} ms/MB "
                           f"(plus {1000 * spine:.1f} ms/MB of spine): at most {1 / total:.0f} MB/s/core if "
                           "nothing were dropped early; the 40 MB/s target allows 25 ms/MB in all.")
        syms = r.get("stage_syms", {})
        for stage, pat, note in PROFILE_NOTES:
            top = syms.get(stage, [])[:3]
            if any(re.search(pat, sym) for _, sym in top):
                out.append(f"- {note}")
        out += [""] + FINDINGS_NOTES
        return out

    def write(self, argv):
        a = self.args
        others = [r.others for r in self.all_runs if r.others is not None]
        loads = [r.load1 for r in self.all_runs]
        head = [
            "# Benchmarks",
            "",
            "Generated by `bench/compare.sh`; do not edit by hand (rerun the script).",
            "",
            f"- Date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Command: `{' '.join(['bench/compare.sh', os.environ.get('COMPARE_ARGS', ' '.join(argv))]).strip()}`",
            *machine_info(a),
        ]
        if others:
            head.append(
                f"- Machine load from other processes while measuring: median {statistics.median(others):.2f}, "
                f"max {max(others):.2f} cores busy (of {os.cpu_count()}), 1-min load average "
                f"{min(loads):.1f}–{max(loads):.1f}. Shared build machine: wall-clock numbers are noisy, "
                "CPU-time rates (MB/s/core) are the ones to compare."
            )
        head.append("")
        crit = self.criterion
        if crit is None and Path(a.out).exists():  # keep the last criterion section
            old = Path(a.out).read_text()
            if CRIT_BEGIN in old and CRIT_END in old:
                crit = [old[old.index(CRIT_BEGIN):old.index(CRIT_END) + len(CRIT_END)], ""]
        text = "\n".join(head + self.md + (crit or []) + self.findings()) + "\n"
        # no machine-specific paths in a tracked file
        text = text.replace(str(ROOT.parent) + "/", "../").replace(str(Path.home()), "~")
        Path(a.out).write_text(text)
        log(f"wrote {a.out}")
        print(text)


CRITERION_BENCHES = [("sift-io", "io"), ("sift-text", "text"), ("sift-filters", "filters"),
                     ("sift-pipeline", "pipeline"), ("sift-dedup", "dedup")]
CRIT_BEGIN, CRIT_END = "<!-- criterion:begin -->", "<!-- criterion:end -->"


def criterion_section(src: Path) -> list[str]:
    """Run every crate's criterion bench briefly in checkout `src`; one row per benchmark."""
    rows = []
    loads = []
    for crate, bench in CRITERION_BENCHES:
        if not (src / "crates" / crate / "benches" / bench / "main.rs").exists():
            continue
        loads.append(os.getloadavg()[0])
        cmd = ["cargo", "bench", "-q", "-p", crate, "--bench", bench, "--",
               "--warm-up-time", "1", "--measurement-time", "3", "--noplot"]
        r = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
        if r.returncode != 0:
            rows.append(f"| {crate} | – | build or run failed: {(r.stderr.strip().splitlines() or ['?'])[-1][:120]} |")
            continue
        name = None
        for line in r.stdout.splitlines():
            m = re.match(r"^(\S+/\S+)\s*(time:.*)?$", line)
            if m and not line.startswith(" "):
                name = m.group(1)
            m = re.search(r"thrpt:\s*\[\S+ \S+ (\S+) (\S+) ", line)
            if m and name:
                rows.append(f"| {crate} | `{name}` | {m.group(1)} {m.group(2)} |")
                name = None
        for line in r.stderr.splitlines():
            if "skipped" in line:
                rows.append(f"| {crate} | `{line.split(':')[0]}` | not available in this build |")
    return [
        CRIT_BEGIN,
        "## criterion benches (committed text, bytes/s)",
        "",
        f"`cargo bench -p CRATE --bench NAME -- --warm-up-time 1 --measurement-time 3` per crate "
        f"(wall-clock medians, so they slow down with machine load: 1-min load average "
        f"{min(loads, default=0):.1f}–{max(loads, default=0):.1f} while they ran, on {os.cpu_count()} cores). "
        "Corpus: `crates/sift-io/benches/data/pages.jsonl` (1.2 MB, 99 real pages), except "
        "`junk_overhead/bench/*`: `bench-corpus.jsonl` (the first 1.2 MB of the benchmark corpus, issue #3's "
        "input; `junk_overhead/*/spine+junk_lines` over `*/spine` - 1 is the cleaner's overhead). "
        "`stage/*` and `preset/*` time the per-document path (`Pipeline::process`): dedup stages "
        "work in the runner's passes, so they have no `stage/` row and `preset/default` excludes "
        "them (dedup kernels: the `sift-dedup` rows; whole runs: the tables above).",
        "",
        "| crate | benchmark | throughput (median) |",
        "|---|---|---:|",
        *rows,
        "",
        CRIT_END,
    ]


def short_sym(sym: str) -> str:
    """A symbol without generic arguments and crate-internal paths, for a table cell."""
    sym = re.sub(r"(\s+-)+\s*$", "", " ".join(sym.split()))  # perf pads the column with " - -"
    s = re.sub(r"<([^<>]*)>", r"\1", sym) if sym.count("<") > 2 else sym
    s = s.replace("|", "/")
    return s if len(s) <= 90 else s[:87] + "..."


def demangle(sym: str) -> str:
    if shutil.which("rustfilt"):
        return subprocess.run(["rustfilt"], input=sym, capture_output=True, text=True).stdout.strip()
    try:
        return subprocess.run(["c++filt"], input=sym, capture_output=True, text=True).stdout.strip()
    except OSError:
        return sym


# Findings that come from reading the code and profiles rather than from this run's numbers.
FINDINGS_NOTES: list[str] = []

# (stage, symbol pattern, explanation): printed when that symbol tops that stage's profile in this run.
PROFILE_NOTES = [
    ("junk_lines", r"PikeVM|pikevm",
     "`junk_lines` spends most of its time in the regex crate's PikeVM (`RegexSet::matches`). The "
     "PikeVM is the slow fallback engine: it runs when the lazy DFA cannot, typically because a pattern "
     "uses Unicode-aware `\\b` and the line has non-ASCII text, or because overlapping `matches()` is "
     "asked for every line. Cheap fixes: test `is_match()` first and ask `matches()` only for the "
     "(rare) lines that match; make word boundaries ASCII (`(?-u:\\b)`) where the families allow."),
    ("gopher_repetition", r"gopher_repetition|Ngrams|ngram_chars",
     "`gopher_repetition` hashes each word once (word ids and byte prefix hashes, so every n-gram's "
     "hash, with or without datatrove's `\"\".join` semantics, comes in O(1) and bytes are compared "
     "only on a hash match); what is left is one table probe per n-gram for each of the nine n "
     "(top 2-4, repeated 5-10) and the tokenizer pass, whose tokens later stages reuse."),
    ("gopher_quality", r"spacy::Tokenizer",
     "The spaCy-compatible tokenizer is the largest cost left in the document filters. A document "
     "is tokenized once (by `gopher_repetition`) and its tokens are memoised on the Document: "
     "`gopher_quality` and `fineweb_quality` reuse them while the text is unchanged, and "
     "`fineweb_quality` skips tokenizing when a lower bound on the word count settles `list_ratio`. "
     "`c4_quality` still tokenizes kept lines to count sentences, until `min_num_sentences` is reached."),
    ("language", r"sift_lid|compute_sub_words|fasttext",
     "`language` is fastText inference (`sift-lid`, sift's own, following C++ fastText's "
     "arithmetic): character n-gram ids for every word and the sum of their (dequantized at "
     "load) input rows, then the hierarchical-softmax tree. datatrove asks for all labels "
     "(k = -1) and keeps the first; sift searches only for that one (a subtree is skipped when "
     "its best leaf cannot reach the best score so far), with the same label and bit-identical "
     "score. Scoring only a prefix of long documents would be cheaper but changes decisions."),
    ("c4_quality", r"ToLowercase|to_lowercase",
     "`c4_quality` lowercases only non-ASCII lines (ASCII lines are searched case-insensitively "
     "for the lorem/javascript/policy phrases in one Aho-Corasick pass)."),
]

CATEGORIES = [
    ("junk_lines cleaner", r"sift_filters::junk_lines"),
    ("tokenizer (sift-text)", r"sift_text::"),
    ("document filters", r"sift_filters::"),
    ("dedup (sift-dedup)", r"sift_dedup::"),
    ("JSON (serde_json)", r"serde_json::|serde::"),
    ("gzip (zlib-rs/flate2)", r"zlib_rs|flate2|miniz|inflate|deflate"),
    ("zstd", r"zstd|ZSTD"),
    ("sift-io / runner", r"sift_io::|sift_pipeline::"),
    ("sift-core (line edits)", r"sift_core::"),
    ("regex / aho-corasick", r"regex|aho_corasick"),
    ("hashing", r"xxhash|ahash|hashbrown"),
    ("memcpy/memmove", r"mem(move|cpy|set|cmp)"),
    ("allocator", r"malloc|free|realloc|_int_|cfree"),
    ("UTF-8 / str", r"core::str|from_utf8|unicode"),
    ("kernel", r"^0x|\[k\]|page|clear_"),
]


def categorize(sym: str) -> str:
    for name, pat in CATEGORIES:
        if re.search(pat, sym):
            return name
    return "other"




def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["peer"]:
        return peer_main(argv[1])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sift", default=str(ROOT / "target" / "release" / "sift"))
    p.add_argument("--sig-bin", default=str(ROOT / "target" / "release" / "examples" / "minhash_throughput"),
                   help="sift-dedup's minhash_throughput example (MinHash signatures alone)")
    p.add_argument("--peer-python", default=str(ROOT.parent / "peer-venv" / "bin" / "python"),
                   help="python of the datatrove virtualenv ('' to skip the peer)")
    p.add_argument("--mb", type=int, default=100, help="corpus size for sift runs")
    p.add_argument("--peer-mb", type=float, default=10, help="prefix of the corpus given to the peer")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--peer-runs", type=int, default=3)
    p.add_argument("--only", default="fineweb,junk,minhash,default")
    p.add_argument("--rss-mb", default="100,1000", help="corpus sizes for the memory table ('' to skip)")
    p.add_argument("--no-threads", action="store_true", help="skip the scaling table")
    p.add_argument("--no-compression", action="store_true", help="skip the output compression table")
    p.add_argument("--no-stages", action="store_true", help="skip the per-stage cost table")
    p.add_argument("--stage-mb", type=int, default=20, help="corpus size for the per-stage cost table")
    p.add_argument("--rss-threads", type=int, default=2, help="threads for the memory table runs")
    p.add_argument("--criterion", metavar="CHECKOUT", nargs="?", const=str(ROOT),
                   help="also run the criterion benches (in CHECKOUT, default this one)")
    p.add_argument("--criterion-only", action="store_true",
                   help="only (re)run the criterion benches and update that section of --out")
    p.add_argument("--sift-label", default="", help="describe the sift binary (default: the checkout's commit)")
    p.add_argument("--profile", action="store_true", help="perf profile of the default pipeline")
    p.add_argument("--data-dir", default=str(ROOT.parent / "bench-data"))
    p.add_argument("--corpus-script", default=str(ROOT.parent / "shared" / "data" / "make_bench_corpus.py"))
    p.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    a = p.parse_args(argv)
    a.only = [w for w in a.only.split(",") if w]
    for w in a.only:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w}; choose from {', '.join(WORKLOADS)}")
    a.rss_mb = [int(x) for x in a.rss_mb.split(",") if x]
    if a.criterion_only:
        a.peer_python = ""
    elif a.peer_python and not Path(a.peer_python).exists():
        p.error(f"{a.peer_python} not found (run bench/compare.sh, which creates the virtualenv)")
    if not a.criterion_only and not Path(a.sift).exists():
        p.error(f"{a.sift} not found (cargo build --release -p sift-cli)")

    bench = Bench(a)
    if a.criterion_only:
        out = Path(a.out)
        old = out.read_text() if out.exists() else ""
        sec = "\n".join(criterion_section(Path(a.criterion or ROOT)))
        sec = sec.replace(str(ROOT.parent) + "/", "../")
        if CRIT_BEGIN in old and CRIT_END in old:
            new = old[:old.index(CRIT_BEGIN)] + sec + old[old.index(CRIT_END) + len(CRIT_END):]
        elif "## Targets" in old:
            new = old.replace("## Targets", sec + "\n\n## Targets", 1)
        else:
            new = old + "\n" + sec + "\n"
        out.write_text(new)
        log(f"updated the criterion section of {out}")
        return 0
    if a.criterion:
        bench.criterion = criterion_section(Path(a.criterion))
    corpus = make_corpus(a, a.mb)
    truth = truth_of(corpus)
    peer_in = prefix_corpus(corpus, a.peer_mb, Path(a.data_dir) / f"peer-{a.mb}-{a.peer_mb:g}")
    bench.main_table(corpus, peer_in, truth)
    if not a.no_threads:
        bench.threads_table(corpus)
    if not a.no_compression:
        bench.compression_table(corpus)
    if not a.no_stages:
        bench.stage_costs(make_corpus(a, a.stage_mb) if a.stage_mb != a.mb else corpus)
    bench.memory_table()
    if a.profile:
        bench.profile(make_corpus(a, a.stage_mb))
    bench.write(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
