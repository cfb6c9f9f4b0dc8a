"""Measuring a command for the benchmarks: wall time, CPU time of its whole process tree, and the peak of the
tree's memory (the sum of every live process's resident set, sampled every 20 ms from /proc)."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def children_cpu() -> float:
    """CPU seconds (user + sys) of every finished child process so far, and of the children they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kib(p)
        todo += _children(p)
    return total / 1024


@dataclass
class Run:
    wall: float
    cpu: float  # user + sys of the command and every process it waited for
    peak_mib: float  # peak resident memory of its process tree


def measure(argv: list[str], *, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run ``argv`` to completion (it must succeed) and measure it."""
    cpu0, wall0 = children_cpu(), time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mib(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err[-2000:]}")
    return Run(time.perf_counter() - wall0, children_cpu() - cpu0, peak[0])


def pipeline_cli(project: Path, *args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "pipeline", "-q", "--project", str(project), *args]


def bench_env(repo: Path) -> dict:
    """The environment the pipeline runs in, as installed: its bytecode cached (in a folder of the benchmarks'
    own, whatever PYTHONDONTWRITEBYTECODE says), so compiling its sources is not counted in every run."""
    env = dict(os.environ, PYTHONPATH=str(repo),
               PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "pipeline-bench-pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
