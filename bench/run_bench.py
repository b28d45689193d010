#!/usr/bin/env python
"""news-etl throughput benchmark.

    python bench/run_bench.py [--quick [N]] [--skip-trafilatura] [--json OUT] [...]

Unpacks the bench corpus into a temporary directory and measures, on the same
files and in the same run:

* ``news-etl run`` end to end (the installed CLI as a subprocess; wall time,
  peak RSS summed over the whole process tree, CPU of the tree), with default
  settings, with ``--workers 1`` and ``--workers 2``, and on the corpus
  replicated 4x (is memory flat as the corpus grows?);
* the fixed start-up cost: ``news-etl run`` over 5 files;
* the trafilatura loop and the lxml floor (``anchor_extract.py``);
* the cleaning alone: ``clean_document`` over every file in this process, 1 core;
* a pyinstrument profile of ``clean_document`` over a few thousand files.

It prints one table (seconds, files/s, speed-up vs trafilatura, x the floor,
peak RSS, CPU, the load other processes put on the machine meanwhile) and the
profile's top functions. The machine may be shared: the "other load" column
says how many cores something else used during each measurement, so a noisy
number can be recognised as such.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("/work/shared/corpus/bench/banned-news-2020.tar.gz")
DEFAULT_ANCHOR = Path("/work/shared/tools/anchor_extract.py")
STARTUP_FILES = 5
TARGETS = {"vs_trafilatura": 12.0, "vs_trafilatura_aim": 20.0, "clean_vs_floor": 4.0, "parallel_2v1": 1.7,
           "peak_rss_mb": 2048.0}


# --------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    """One row of the table."""

    name: str
    files: int
    seconds: float
    peak_rss_mb: float | None = None
    max_proc_rss_mb: float | None = None
    cpu_seconds: float | None = None
    other_load: float | None = None  # cores used by processes outside the measured tree, on average
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else 0.0


class TreeMonitor(threading.Thread):
    """Polls a process and all its descendants: peak of the summed RSS, the largest
    single RSS, the process count, and CPU seconds per role (last value seen per pid).

    With ``pss=True`` the memory read is the proportional set size (``/proc/PID/smaps_rollup``):
    pages that forked workers share with their parent count once, split between them, so the
    sum over the tree is what the tree really costs the machine (slower to read: poll less often)."""

    def __init__(self, pid: int, interval: float = 0.05, pss: bool = False):
        super().__init__(daemon=True)
        self.pid, self.interval, self.pss = pid, interval, pss
        self.peak_rss = 0
        self.max_proc_rss = 0
        self.peak_procs = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.role_by_pid: dict[int, str] = {}
        self.peak_rss_by_role: dict[str, int] = defaultdict(int)
        self.at_peak_by_role: dict[str, int] = {}  # what each role held when the tree's total peaked
        self.peak_at = 0.0
        self.rss_series: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def _role(self, p: psutil.Process) -> str:
        if p.pid == self.pid:
            return "cli/flow process"
        try:
            cmd = " ".join(p.cmdline())
        except (psutil.Error, OSError):
            return "other child"
        # Prefect's server, started by news-etl (uvicorn) or by the user (prefect server start)
        if "uvicorn" in cmd or ("server" in cmd and "prefect" in cmd):
            return "prefect server"
        if "multiprocessing" in cmd or "python" in cmd or "news-etl" in cmd:
            return "worker processes"
        return "other child"

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        t0 = time.perf_counter()
        while not self._halt.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0
            by_role: dict[str, int] = defaultdict(int)
            for p in procs:
                try:
                    with p.oneshot():
                        rss = _pss(p) if self.pss else p.memory_info().rss
                        ct = p.cpu_times()
                except psutil.Error:
                    continue
                total += rss
                self.max_proc_rss = max(self.max_proc_rss, rss)
                self.cpu_by_pid[p.pid] = ct.user + ct.system
                if p.pid not in self.role_by_pid:
                    self.role_by_pid[p.pid] = self._role(p)
                by_role[self.role_by_pid[p.pid]] += rss
            for role, v in by_role.items():
                self.peak_rss_by_role[role] = max(self.peak_rss_by_role[role], v)
            if total > self.peak_rss:
                self.peak_rss, self.at_peak_by_role, self.peak_at = total, dict(by_role), time.perf_counter() - t0
            self.peak_procs = max(self.peak_procs, len(procs))
            self.rss_series.append((time.perf_counter() - t0, total))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for pid, cpu in self.cpu_by_pid.items():
            out[self.role_by_pid.get(pid, "other child")] += cpu
        return {k: round(v, 2) for k, v in sorted(out.items())}


def _pss(p: psutil.Process) -> int:
    """Proportional set size in bytes, from ``smaps_rollup`` (one line the kernel sums):
    psutil's ``memory_full_info`` parses the whole ``smaps``, which cost the sampler a
    quarter of a core on the growing-folder benchmark, taken from the run it measures."""
    try:
        with open(f"/proc/{p.pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return p.memory_full_info().pss


def _busy_cpu() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, k, 0.0) for k in ("user", "nice", "system", "irq", "softirq", "steal", "guest"))


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_tree(cmd: list[str], log: Path, env: dict | None = None, timeout: float = 3600, pss: bool = False) -> dict:
    """Run ``cmd``; wall time, peak RSS (or PSS) of its process tree, CPU of the tree, other load."""
    busy0, ch0, self0 = _busy_cpu(), _children_cpu(), _self_cpu()
    t0 = time.perf_counter()
    started_at = time.time()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        mon = TreeMonitor(proc.pid, interval=0.25 if pss else 0.05, pss=pss)
        mon.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = -9
        finally:
            mon.stop()
    wall = time.perf_counter() - t0
    tree_cpu = _children_cpu() - ch0  # every descendant that was reaped, recursively
    self_cpu = _self_cpu() - self0    # the monitor thread's own polling
    other = max(0.0, (_busy_cpu() - busy0) - tree_cpu - self_cpu)
    return {"rc": rc, "seconds": wall, "started_at": started_at, "peak_rss_mb": mon.peak_rss / 2**20,
            "max_proc_rss_mb": mon.max_proc_rss / 2**20, "peak_procs": mon.peak_procs, "cpu_seconds": tree_cpu,
            "cpu_by_role": mon.cpu_by_role(),
            "peak_rss_mb_by_role": {k: round(v / 2**20) for k, v in sorted(mon.peak_rss_by_role.items())},
            "at_peak_mb_by_role": {k: round(v / 2**20) for k, v in sorted(mon.at_peak_by_role.items())},
            "peak_at_seconds": round(mon.peak_at, 1),
            "other_load": other / wall if wall > 0 else 0.0,
            "monitor_cpu": self_cpu}


def wait_idle(max_wait: float, threshold: float = 0.3, quiet_for: int = 3) -> float:
    """Wait (at most ``max_wait`` s) until the machine has been nearly idle (< ``threshold``
    cores busy) for ``quiet_for`` consecutive seconds; returns the seconds waited."""
    t0 = time.perf_counter()
    quiet = 0
    ncpu = psutil.cpu_count() or 1
    while time.perf_counter() - t0 < max_wait and quiet < quiet_for:
        busy = psutil.cpu_percent(interval=1.0) / 100 * ncpu
        quiet = quiet + 1 if busy < threshold else 0
    return time.perf_counter() - t0


class LoadMeter:
    """Other processes' CPU while an in-process measurement runs."""

    def __enter__(self):
        self.busy0, self.self0, self.t0 = _busy_cpu(), _self_cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.self_cpu = _self_cpu() - self.self0
        other = max(0.0, (_busy_cpu() - self.busy0) - self.self_cpu)
        self.other_load = other / self.seconds if self.seconds > 0 else 0.0
        return False


# --------------------------------------------------------------------------- corpus


def list_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def unpack(tar: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar) as tf:
        tf.extractall(dest, filter="data")
    return dest


def link_subset(files: list[Path], src_root: Path, dest: Path, prefix: str = "") -> Path:
    """Hard-link (or copy) ``files`` under ``dest``, keeping their relative paths."""
    for f in files:
        target = dest / prefix / f.relative_to(src_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, target)
        except OSError:
            shutil.copy2(f, target)
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def spread(items: list, n: int) -> list:
    """``n`` items evenly spread over ``items`` (deterministic), keeping the mix of kinds."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


# --------------------------------------------------------------------------- news-etl


_TS = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \|")


def _log_times(log: Path, started_at: float) -> dict:
    """Phase boundaries from Prefect's console log, in seconds since the process started."""
    lt = time.localtime(started_at)
    midnight = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))
    marks: dict[str, float] = {}
    batch_secs: list[float] = []
    for line in log.read_text(errors="replace").splitlines():
        m = _TS.match(line)
        if not m:
            continue
        h, mi, s, ms = (int(x) for x in m.groups())
        t = midnight + h * 3600 + mi * 60 + s + ms / 1000 - started_at
        if t < -60:  # crossed midnight
            t += 86400
        if "Starting temporary server" in line:
            marks.setdefault("server_start_requested", t)
        elif "Beginning flow run" in line:
            marks.setdefault("flow_begin", t)
        elif "Flow run" in line and "Finished in state" in line:
            marks["flow_end"] = t
        elif "Stopping temporary server" in line:
            marks["server_stop_requested"] = t
        if "Task run" in line and "Finished in state" in line:
            marks.setdefault("first_task_done", t)
            marks["last_task_done"] = t
        b = re.search(r"batch \d+: .* in ([0-9.]+) s", line)
        if b and "Task run" in line:
            batch_secs.append(float(b.group(1)))
    out = {k: round(v, 3) for k, v in marks.items()}
    if batch_secs:
        out["batches"] = len(batch_secs)
        out["batch_seconds_sum"] = round(sum(batch_secs), 2)
        out["batch_seconds_max"] = round(max(batch_secs), 2)
    return out


def news_etl(cli: str, raw: Path, work: Path, name: str, env: dict, extra: list[str] = (), timeout=3600) -> Measure:
    out = work / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    log = work / f"log-{name}.txt"
    n_files = sum(1 for _ in list_files(raw))
    r = run_tree([cli, "run", str(raw), str(out), *extra], log, env=env, timeout=timeout)
    text = log.read_text(errors="replace")
    m = Measure(name=name, files=n_files, seconds=r["seconds"], peak_rss_mb=r["peak_rss_mb"],
                max_proc_rss_mb=r["max_proc_rss_mb"], cpu_seconds=r["cpu_seconds"], other_load=r["other_load"])
    m.extra = {"rc": r["rc"], "peak_procs": r["peak_procs"], "cpu_by_role": r["cpu_by_role"],
               "peak_rss_mb_by_role": r["peak_rss_mb_by_role"],
               "phases": _log_times(log, r["started_at"]), "log": str(log)}
    acc = re.search(r"(\d+) inputs = (\d+) articles \+ (\d+) rejects", text)
    if acc:
        m.extra.update(inputs=int(acc.group(1)), articles=int(acc.group(2)), rejects=int(acc.group(3)))
    fl = re.search(r"(\d+) batches on (\d+) worker\(s\), ([0-9.]+) s", text)
    if fl:
        m.extra.update(batches=int(fl.group(1)), workers=int(fl.group(2)), flow_seconds=float(fl.group(3)))
    if r["rc"] != 0:
        m.note = f"FAILED rc={r['rc']} (see {log})"
        print(f"  !! {name}: exit {r['rc']}; last lines of {log}:", file=sys.stderr)
        print("\n".join(text.splitlines()[-15:]), file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    return m


def startup_against_running_server(cli: str, tiny: Path, work: Path, env: dict, repeat: int) -> Measure | None:
    """The small run again, reporting to a ``prefect server start`` that is already up
    (the server is started first and is not part of the measured process tree)."""
    sys.path.insert(0, str(REPO))
    from tests.prefect_server import PrefectServer

    server = PrefectServer(work / "prefect-home")
    try:
        server.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"  !! could not start a Prefect server: {exc}", file=sys.stderr)
        return None
    try:
        m = news_etl_best(repeat, cli, tiny, work, "startup-api", {**env, **server.env})
    finally:
        server.stop()
    m.name = f"start-up: {STARTUP_FILES} files, PREFECT_API_URL set"
    return m


def news_etl_best(repeat: int, *a, **kw) -> Measure:
    """Best (fastest) of ``repeat`` runs; the others' times and loads go into ``extra``."""
    runs = [news_etl(*a, **kw) for _ in range(max(1, repeat))]
    best = min(runs, key=lambda m: (bool(m.note), m.seconds))
    if len(runs) > 1:
        best.extra["all_runs"] = [{"seconds": round(m.seconds, 2), "other_load": round(m.other_load or 0, 2),
                                   "peak_rss_mb": round(m.peak_rss_mb or 0)} for m in runs]
        best.note = (best.note + "; " if best.note else "") + "best of " + ", ".join(
            f"{m.seconds:.1f} s (other load {m.other_load:.2f})" for m in runs)
    return best


def anchor(anchor_py: Path, which: str, raw: Path, work: Path, name: str) -> Measure:
    log = work / f"log-{name}.txt"
    r = run_tree([sys.executable, str(anchor_py), which, str(raw), str(work / f"{name}.jsonl")], log)
    text = log.read_text(errors="replace")
    m = re.search(r"files=(\d+) records=(\d+) seconds=([0-9.]+)", text)
    if not m or r["rc"] != 0:
        raise RuntimeError(f"{which} anchor failed (rc={r['rc']}): {text[-2000:]}")
    files, records, loop_s = int(m.group(1)), int(m.group(2)), float(m.group(3))
    meas = Measure(name=name, files=files, seconds=loop_s, peak_rss_mb=r["peak_rss_mb"],
                   max_proc_rss_mb=r["max_proc_rss_mb"], cpu_seconds=r["cpu_seconds"], other_load=r["other_load"])
    meas.extra = {"records": records, "process_seconds": round(r["seconds"], 2)}
    (work / f"{name}.jsonl").unlink(missing_ok=True)
    return meas


# --------------------------------------------------------------------------- in-process cleaning


def clean_alone(files: list[Path], root: Path) -> Measure:
    from transforms.pipeline import clean_document
    from transforms.records import Record

    raws = [(f.read_bytes(), f.relative_to(root).as_posix(), f.suffix.lower() or "(none)") for f in files]
    by_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    outcome: Counter = Counter()
    import gc
    gc.collect()
    with LoadMeter() as lm:
        c0 = time.process_time()
        for raw, rel, kind in raws:
            t = time.perf_counter()
            doc = clean_document(raw, rel)
            by_kind[kind][0] += 1
            by_kind[kind][1] += time.perf_counter() - t
            outcome["article" if isinstance(doc, Record) else f"reject:{doc.reason}"] += 1
        cpu = time.process_time() - c0
    m = Measure(name="clean_document alone (in-process, 1 core)", files=len(raws), seconds=lm.seconds,
                cpu_seconds=cpu, other_load=lm.other_load,
                peak_rss_mb=psutil.Process().memory_info().rss / 2**20, note="RSS includes every raw file held in memory")
    m.extra = {"outcome": dict(outcome),
               "by_suffix": {k: {"files": n, "seconds": round(s, 2), "ms_per_file": round(1000 * s / n, 3)}
                             for k, (n, s) in sorted(by_kind.items(), key=lambda kv: -kv[1][1])}}
    return m


def batch_layer(raw: Path, work: Path, batch_size: int = 1000) -> Measure | None:
    """flows.run.batch.run_batch over the corpus sequentially, no Prefect: read + clean + Parquet, 1 core."""
    try:
        import inspect

        from flows.inputs.listing import discover
        from flows.run.batch import run_batch
    except Exception as exc:  # the flows package is being reworked; this row is a diagnostic only
        print(f"  (batch layer skipped: {type(exc).__name__}: {exc})")
        return None
    files = [f.rel_path for f in discover(str(raw))]
    batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    params = list(inspect.signature(run_batch).parameters)
    stage = work / "out-batch-layer"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        with LoadMeter() as lm:
            c0 = time.process_time()
            for i, b in enumerate(batches):
                kwargs = {}
                if "max_bytes" in params:
                    kwargs["max_bytes"] = 64 * 1024 * 1024
                run_batch(str(raw), str(stage), "bench", i, b, **kwargs)
            cpu = time.process_time() - c0
    except Exception as exc:
        print(f"  (batch layer skipped: run_batch{tuple(params)} failed: {type(exc).__name__}: {exc})")
        return None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Measure(name="run_batch, no Prefect (read+clean+Parquet, 1 core)", files=len(files), seconds=lm.seconds,
                   cpu_seconds=cpu, other_load=lm.other_load)


# --------------------------------------------------------------------------- profile


def profile(files: list[Path], root: Path, top: int, out_dir: Path) -> dict:
    from pyinstrument import Profiler

    from transforms.pipeline import clean_document

    raws = [(f.read_bytes(), f.relative_to(root).as_posix()) for f in files]
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for raw, rel in raws:
        clean_document(raw, rel)
    session = profiler.stop()
    (out_dir / "profile.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    try:
        (out_dir / "profile.html").write_text(profiler.output_html())
    except Exception:
        pass
    root_frame = session.root_frame()
    total = root_frame.time if root_frame else 0.0
    self_t: dict[tuple, float] = defaultdict(float)
    incl_t: dict[tuple, float] = defaultdict(float)
    by_file: dict[str, float] = defaultdict(float)

    def short(path: str | None) -> str:
        if not path:
            return "?"
        p = path.replace("\\", "/")
        for pkg in ("/transforms/", "/flows/", "/schemas/", "/bench/"):
            if pkg in p and "/site-packages/" not in p:
                return pkg[1:] + p.rsplit(pkg, 1)[1]
        if "/site-packages/" in p:
            return p.split("/site-packages/", 1)[1]
        m = re.search(r"/lib/python3[.0-9]*/(.*)$", p)
        return "stdlib:" + m.group(1) if m else p

    def walk(frame, on_stack: frozenset):
        key = (frame.function or "?", short(frame.file_path), frame.line_no or 0)
        self_t[key] += frame.total_self_time
        fkey = key[0] if key[1].startswith("<") or key[1] == "?" else key[1]
        by_file[fkey] += frame.total_self_time
        if key not in on_stack:  # inclusive time counted once per stack (recursion)
            incl_t[key] += frame.time
        for child in frame.children:
            if not child.is_synthetic:
                walk(child, on_stack | {key})

    if root_frame:
        walk(root_frame, frozenset())

    def rows(d: dict, n: int) -> list[dict]:
        return [{"function": k[0], "where": f"{k[1]}:{k[2]}", "seconds": round(v, 3),
                 "pct": round(100 * v / total, 1) if total else 0.0}
                for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:n]]

    modules: dict[str, float] = defaultdict(float)
    for f, t in by_file.items():
        if f.startswith("stdlib:"):
            mod = "stdlib " + f[7:].split("/")[0].removesuffix(".py")
        elif f.startswith(("transforms/", "flows/", "schemas/", "bench/")):
            mod = f
        elif "/" in f or f.endswith(".py"):
            mod = f.split("/")[0].removesuffix(".py")
        elif f.startswith(("Pattern.", "Match.")):
            mod = "re engine (C: Pattern/Match methods)"
        else:
            mod = "builtins (C: " + f.split(".")[0] + ")" if "." in f else "builtins (C: " + f + ")"
        modules[mod] += t
    return {"files": len(raws), "seconds": round(total, 3), "ms_per_file": round(1000 * total / max(1, len(raws)), 3),
            "by_self_time": rows(self_t, top),
            "by_inclusive_time": [r for r in rows(incl_t, top + 12)
                                  if not r["where"].startswith("bench/")][:top],
            "by_module": [{"module": k, "seconds": round(v, 3), "pct": round(100 * v / total, 1) if total else 0.0}
                          for k, v in sorted(modules.items(), key=lambda kv: -kv[1])[:top]],
            "text_profile": str(out_dir / "profile.txt")}


# --------------------------------------------------------------------------- report


def _fmt(v, spec: str, dash: str = "-") -> str:
    return dash if v is None else format(v, spec)


def print_table(rows: list[Measure], traf: Measure | None, floor: Measure | None, traf_label: str) -> str:
    head = (f"{'measurement':<46} {'files':>7} {'seconds':>8} {'files/s':>8} {'vs traf':>8} {'x floor':>8} "
            f"{'peak RSS MB':>11} {'CPU s':>7} {'other load':>10}")
    lines = [head, "-" * len(head)]
    for m in rows:
        vs_t = (traf.seconds * m.files / traf.files) / m.seconds if traf and m.seconds and traf.files else None
        x_f = m.seconds / (floor.seconds * m.files / floor.files) if floor and floor.files else None
        lines.append(f"{m.name[:46]:<46} {m.files:>7} {m.seconds:>8.2f} {m.files_per_s:>8.0f} "
                     f"{_fmt(vs_t, '>7.1f') + ('x' if vs_t else ''):>8} {_fmt(x_f, '>7.2f') + ('x' if x_f else ''):>8} "
                     f"{_fmt(m.peak_rss_mb, '>11.0f'):>11} {_fmt(m.cpu_seconds, '>7.1f'):>7} "
                     f"{_fmt(m.other_load, '>9.2f') + (' c' if m.other_load is not None else ''):>10}")
        if m.note:
            lines.append(f"{'':<4}^ {m.note}")
    lines.append("vs traf = trafilatura loop seconds (scaled to the row's file count) / row seconds"
                 + (f"; trafilatura: {traf_label}" if traf else "; trafilatura not measured"))
    lines.append("x floor = row seconds / lxml floor seconds (scaled to the row's file count); "
                 "peak RSS = sum over the process tree (forked workers' shared pages counted in each); "
                 "other load = cores busy outside the measured processes, on average")
    text = "\n".join(lines)
    print(text)
    return text


def git_state(repo: Path = REPO) -> dict:
    def git(*a):
        try:
            return subprocess.run(["git", "-C", str(repo), *a], capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception:
            return ""
    dirty = [ln for ln in git("status", "--porcelain", "--", "flows", "transforms", "schemas").splitlines() if ln]
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty_files": dirty}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="tar.gz of raw files (default: the bench corpus)")
    ap.add_argument("--quick", nargs="?", type=int, const=3000, default=None, metavar="N",
                    help="a fast check on N files spread over the corpus (default N 3000)")
    ap.add_argument("--skip-trafilatura", action="store_true", help="do not run the trafilatura loop")
    ap.add_argument("--trafilatura-sample", type=int, default=None, metavar="N",
                    help="run trafilatura on N files only and EXTRAPOLATE to the corpus (labelled as such)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run each news-etl measurement on the corpus N times and keep the fastest (noisy machines)")
    ap.add_argument("--skip-replicated", action="store_true", help="skip the 4x replicated corpus run")
    ap.add_argument("--replicate", type=int, default=4, help="copies of the corpus for the memory-flatness run")
    ap.add_argument("--profile-files", type=int, default=3000, help="files for the pyinstrument profile (0: none)")
    ap.add_argument("--top", type=int, default=15, help="functions to show per profile table")
    ap.add_argument("--json", type=Path, default=None, metavar="OUT", help="save every number as JSON")
    ap.add_argument("--workdir", type=Path, default=None, help="where to unpack (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs, profile.html)")
    ap.add_argument("--src", type=Path, default=None,
                    help="benchmark the news-etl source tree at SRC (put first on PYTHONPATH) instead of the installed one")
    ap.add_argument("--wait-idle", type=float, default=90, metavar="S",
                    help="before each measurement wait up to S seconds for the machine to be idle (0: never)")
    ap.add_argument("--src-label", default=None, help="what SRC is, for the report (e.g. the commit it was exported from)")
    ap.add_argument("--anchor", type=Path, default=DEFAULT_ANCHOR, help="anchor_extract.py")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    if args.src:
        src = str(args.src.resolve())
        sys.path.insert(0, src)
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cli = shutil.which("news-etl", path=str(Path(sys.executable).parent)) or shutil.which("news-etl")
    if not cli:
        print("news-etl is not installed in this environment (pip install -e .)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="news-etl-bench-", dir=args.workdir))
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:], "host": {
        "cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(), "platform": platform.platform(),
        "mem_gb": round(psutil.virtual_memory().total / 2**30, 1)}, "git": git_state(), "targets": TARGETS}
    if args.src:  # the tree under test is SRC, not this checkout's working tree
        results["source"] = str(args.src.resolve())
        results["git"] = git_state(args.src) if (args.src / ".git").exists() else {
            "commit": args.src_label or f"snapshot at {args.src}", "dirty_files": []}
    try:
        import trafilatura
        results["host"]["trafilatura"] = trafilatura.__version__
    except Exception:
        pass
    dirty = results["git"]["dirty_files"]
    print(f"news-etl benchmark: workdir {work}, {'source' if args.src else 'git'} {results['git']['commit']}"
          f"{f' (+{len(dirty)} uncommitted files in flows/transforms/schemas)' if dirty and not args.src else ''}"
          f"{' at ' + str(args.src) if args.src else ''}")
    try:
        t = time.perf_counter()
        full = unpack(args.corpus, work / "unpacked")
        all_files = list_files(full)
        print(f"unpacked {len(all_files)} files from {args.corpus.name} in {time.perf_counter() - t:.1f} s")
        if args.quick:
            raw = link_subset(spread(all_files, args.quick), full, work / "raw")
            label = f"QUICK subset of {args.quick} files"
        else:
            raw = full
            label = "full corpus"
        files = list_files(raw)
        results["corpus"] = {"tar": str(args.corpus), "files": len(files), "mode": label,
                             "bytes": sum(f.stat().st_size for f in files)}
        print(f"corpus: {label}: {len(files)} files, {results['corpus']['bytes'] / 2**20:.0f} MiB")
        rows: list[Measure] = []

        waited: dict[str, float] = {}

        def step(msg: str) -> None:
            print(f"\n== {msg} [{time.strftime('%H:%M:%S')}]", flush=True)
            if args.wait_idle > 0:
                w = wait_idle(args.wait_idle)
                waited[msg] = round(w, 1)
                if w > 4:
                    print(f"  (waited {w:.0f} s for other processes to quieten)", flush=True)

        def show(m: Measure | None) -> Measure | None:
            if m is not None:
                extra = {k: v for k, v in m.extra.items() if k not in ("log",)}
                print(f"  {m.name}: {m.seconds:.2f} s, {m.files_per_s:.0f} files/s, peak RSS "
                      f"{_fmt(m.peak_rss_mb, '.0f')} MB, CPU {_fmt(m.cpu_seconds, '.1f')} s, "
                      f"other load {_fmt(m.other_load, '.2f')} cores\n  {json.dumps(extra, ensure_ascii=False)}",
                      flush=True)
            return m

        # 1. fixed start-up cost
        step(f"start-up: news-etl run over {STARTUP_FILES} files")
        tiny = link_subset([f for f in files if f.suffix == ".md"][:STARTUP_FILES] or files[:STARTUP_FILES], raw,
                           work / "tiny")
        startup = show(news_etl_best(args.repeat, cli, tiny, work, "startup", env))
        startup.name = f"start-up: news-etl run, {STARTUP_FILES} files"
        step(f"start-up with a configured API: {STARTUP_FILES} files, PREFECT_API_URL set to a running server")
        startup_api = show(startup_against_running_server(cli, tiny, work, env, args.repeat))

        # 2. end to end, default settings
        step("news-etl run, default settings")
        e2e = show(news_etl_best(args.repeat, cli, raw, work, "default", env))
        e2e.name = "news-etl run (default settings)"
        rows.append(e2e)

        # 3. one worker, two workers
        step("news-etl run --workers 1")
        w1 = show(news_etl_best(args.repeat, cli, raw, work, "workers1", env, ["--workers", "1"]))
        w1.name = "news-etl run --workers 1"
        step("news-etl run --workers 2")
        w2 = show(news_etl_best(args.repeat, cli, raw, work, "workers2", env, ["--workers", "2"]))
        w2.name = "news-etl run --workers 2"
        rows += [w1, w2]

        # 4. memory flatness: the corpus replicated
        rep = None
        if not args.skip_replicated and args.replicate > 1:
            step(f"news-etl run over the corpus replicated {args.replicate}x")
            rep_dir = work / f"raw-x{args.replicate}"
            for k in range(args.replicate):
                link_subset(files, raw, rep_dir, prefix=f"copy{k}")
            rep = show(news_etl(cli, rep_dir, work, f"x{args.replicate}", env))
            rep.name = f"news-etl run, corpus x{args.replicate} (default)"
            rows.append(rep)
            shutil.rmtree(rep_dir, ignore_errors=True)

        # 5. the floor and the cleaning alone
        step("lxml floor (anchor_extract.py lxml)")
        floor = show(anchor(args.anchor, "lxml", raw, work, "lxml"))
        floor.name = "floor: lxml parse + text_content loop"
        step("clean_document alone, in-process, 1 core")
        alone = show(clean_alone(files, raw))
        rows.append(alone)
        step("run_batch alone, in-process, 1 core (no Prefect)")
        layer = show(batch_layer(raw, work))
        if layer:
            rows.append(layer)
        rows.append(floor)

        # 6. trafilatura
        traf, traf_label = None, ""
        if not args.skip_trafilatura:
            sample = args.trafilatura_sample
            if sample and sample < len(files):
                step(f"trafilatura loop on a sample of {sample} files, EXTRAPOLATED to {len(files)}")
                sdir = link_subset(spread(files, sample), raw, work / "traf-sample")
                traf = show(anchor(args.anchor, "trafilatura", sdir, work, "trafilatura"))
                traf.note = f"EXTRAPOLATED: measured on {traf.files} files ({traf.seconds:.1f} s), scaled to {len(files)}"
                traf.extra["measured_files"], traf.extra["measured_seconds"] = traf.files, traf.seconds
                traf.seconds, traf.files = traf.seconds * len(files) / traf.files, len(files)
                traf.name = "trafilatura.extract loop (EXTRAPOLATED)"
                traf_label = f"EXTRAPOLATED from {traf.extra['measured_files']} files"
            else:
                step("trafilatura loop (anchor_extract.py trafilatura), this takes minutes")
                traf = show(anchor(args.anchor, "trafilatura", raw, work, "trafilatura"))
                traf.name = "trafilatura.extract loop"
                traf_label = f"measured on the same {traf.files} files"
            rows.append(traf)

        # 7. profile
        prof = None
        if args.profile_files:
            step(f"pyinstrument profile of clean_document over {min(args.profile_files, len(files))} files")
            prof = profile(spread(files, args.profile_files), raw, args.top, work)

        # ------------------------------------------------------------------ report
        print("\n" + "=" * 100)
        print(f"RESULTS ({label}; {results['host']['cpus']} cores; "
              f"{'source ' if args.src else 'git '}{results['git']['commit']}"
              f"{' + uncommitted changes' if results['git']['dirty_files'] else ''})\n")
        table = print_table(rows, traf, floor, traf_label)
        print(f"\nfixed start-up cost: news-etl run over {startup.files} files end to end: {startup.seconds:.2f} s, "
              f"peak RSS {startup.peak_rss_mb:.0f} MB, CPU {startup.cpu_seconds:.1f} s "
              f"(phases: {json.dumps(startup.extra.get('phases', {}))})")
        if startup_api:
            print(f"  with PREFECT_API_URL set to a running server (no temporary server): {startup_api.seconds:.2f} s, "
                  f"CPU {startup_api.cpu_seconds:.1f} s (phases: {json.dumps(startup_api.extra.get('phases', {}))})")

        verdict = {}
        if traf:
            verdict["e2e_vs_trafilatura"] = round(traf.seconds * e2e.files / traf.files / e2e.seconds, 2)
        verdict["clean_vs_floor"] = round(alone.seconds / (floor.seconds * alone.files / floor.files), 2)
        verdict["parallel_2v1"] = round(w1.seconds / w2.seconds, 2)
        fs1, fs2 = w1.extra.get("flow_seconds"), w2.extra.get("flow_seconds")
        if fs1 and fs2:
            verdict["parallel_2v1_flow_only"] = round(fs1 / fs2, 2)
        verdict["peak_rss_mb"] = round(max(m.peak_rss_mb or 0 for m in (e2e, w1, w2, rep) if m), 0)
        if rep:
            verdict["rss_growth_x4"] = round(rep.peak_rss_mb / e2e.peak_rss_mb, 2)
            verdict["seconds_growth_x4"] = round(rep.seconds / e2e.seconds, 2)
        verdict["startup_seconds"] = round(startup.seconds, 2)
        if startup_api:
            verdict["startup_seconds_configured_api"] = round(startup_api.seconds, 2)
        verdict["e2e_minus_startup_vs_clean_1core"] = round((e2e.seconds - startup.seconds) / alone.seconds, 2)

        checks = []
        if "e2e_vs_trafilatura" in verdict:
            v = verdict["e2e_vs_trafilatura"]
            checks.append((f"end to end >= {TARGETS['vs_trafilatura']:.0f}x trafilatura (aim {TARGETS['vs_trafilatura_aim']:.0f}x)",
                           f"{v:.1f}x" + (" (trafilatura extrapolated)" if "EXTRAP" in traf_label else ""),
                           v >= TARGETS["vs_trafilatura"]))
        checks.append((f"cleaning within {TARGETS['clean_vs_floor']:.0f}x of the lxml floor",
                       f"{verdict['clean_vs_floor']:.2f}x", verdict["clean_vs_floor"] <= TARGETS["clean_vs_floor"]))
        checks.append((f"2 workers >= {TARGETS['parallel_2v1']}x one worker",
                       f"{verdict['parallel_2v1']:.2f}x end to end"
                       + (f", {verdict['parallel_2v1_flow_only']:.2f}x flow only" if "parallel_2v1_flow_only" in verdict else ""),
                       verdict["parallel_2v1"] >= TARGETS["parallel_2v1"]))
        checks.append((f"peak RSS <= {TARGETS['peak_rss_mb']:.0f} MB", f"{verdict['peak_rss_mb']:.0f} MB",
                       verdict["peak_rss_mb"] <= TARGETS["peak_rss_mb"]))
        if rep:
            checks.append((f"RSS flat with corpus x{args.replicate} (<= 1.25x)", f"{verdict['rss_growth_x4']:.2f}x",
                           verdict["rss_growth_x4"] <= 1.25))
        print("\ntargets:")
        for what, got, ok in checks:
            print(f"  [{'PASS' if ok else 'MISS'}] {what}: {got}")

        print("\norchestration (from the Prefect log; seconds since the process started):")
        for m in (startup, e2e, w1, w2, rep):
            if m is None:
                continue
            ph = m.extra.get("phases", {})
            print(f"  {m.name[:44]:<44} flow begins {ph.get('flow_begin', '?')}, flow ends {ph.get('flow_end', '?')}, "
                  f"exit {m.seconds:.2f}; flow {m.extra.get('flow_seconds', '?')} s; "
                  f"batches {ph.get('batches', '?')} (sum {ph.get('batch_seconds_sum', '?')} s, max "
                  f"{ph.get('batch_seconds_max', '?')} s)\n  {'':<44} CPU s by process {m.extra.get('cpu_by_role')}; "
                  f"peak RSS MB by process {m.extra.get('peak_rss_mb_by_role')}")
        print(f"\ncleaning cost by file kind (in-process): {json.dumps(alone.extra['by_suffix'])}")
        print(f"outcomes (in-process): {json.dumps(alone.extra['outcome'])}")
        if prof:
            print(f"\nprofile: clean_document over {prof['files']} files, {prof['seconds']:.2f} s "
                  f"({prof['ms_per_file']:.2f} ms/file); full tree in {prof['text_profile']}")
            print("  top functions by self time:")
            for r in prof["by_self_time"]:
                print(f"    {r['pct']:5.1f}%  {r['seconds']:7.3f} s  {r['function']}  ({r['where']})")
            print("  top functions by inclusive time:")
            for r in prof["by_inclusive_time"]:
                print(f"    {r['pct']:5.1f}%  {r['seconds']:7.3f} s  {r['function']}  ({r['where']})")
            print("  self time by module:")
            for r in prof["by_module"]:
                print(f"    {r['pct']:5.1f}%  {r['seconds']:7.3f} s  {r['module']}")

        results.update(rows=[{**asdict(m), "files_per_s": round(m.files_per_s, 1)} for m in rows],
                       startup={**asdict(startup)}, startup_configured_api=asdict(startup_api) if startup_api else None,
                       verdict=verdict,
                       checks=[{"target": w, "got": g, "pass": ok} for w, g, ok in checks],
                       profile=prof, table=table, trafilatura=traf_label, waited_for_idle=waited)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
            print(f"\nnumbers saved to {args.json}")
    finally:
        if args.keep:
            print(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
