"""Benchmark: how long `pipeline --help` and `pipeline status` spend importing modules, on the bundled sample.

Target: each under 0.15 s of import time, as `python -X importtime` counts it (the sum of every module's own
time, interpreter start-up imports included). Medians of several runs, printed side by side with the bare
interpreter's own start-up imports (`python -c pass`) measured in the same run, so a loaded machine shows as a
higher reference too, and with the CPU time of each whole command (which waiting for a busy CPU does not
inflate). The heaviest imports of each command are listed to show where the time goes.
Run: python bench/startup.py [RUNS]
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.15
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_times(args: list[str]) -> tuple[float, float, list[tuple[float, str]]]:
    """(total seconds of imports, CPU seconds of the run, [(cumulative seconds, module)] of top-level imports)."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path, COLUMNS="120")
    before = _cpu()
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=REPO, env=env,
                          capture_output=True, text=True)
    cpu = _cpu() - before
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    total, top = 0, []
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            total += int(m.group(1))
            if len(m.group(3)) == 1:
                top.append((int(m.group(2)) / 1e6, m.group(4)))
    return total / 1e6, cpu, top


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    cases = {"python -c pass (reference)": ["-c", "pass"],
             "pipeline --help": ["-m", "pipeline", "--help"],
             "pipeline status": ["-m", "pipeline", "status"]}
    medians: dict[str, float] = {}
    heaviest: dict[str, list[tuple[float, str]]] = {}
    samples: dict[str, list[float]] = {label: [] for label in cases}
    cpu: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(runs):  # interleaved, so the load of the machine falls on every case alike
        for label, args in cases.items():
            total, seconds, top = import_times(args)
            samples[label].append(total)
            cpu[label].append(seconds)
            heaviest[label] = sorted(top, reverse=True)[:6]
    for label in cases:
        medians[label] = statistics.median(samples[label])
    reference = medians["python -c pass (reference)"]
    print(f"median of {runs} runs on the bundled sample (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores):")
    print(f"  {'':<30} {'imports':>9}   {'x python':>8}   {'least disturbed':>15}   {'CPU of the run':>14}")
    for label, seconds in medians.items():
        verdict = "" if "reference" in label else (
            f"   {'PASS' if seconds <= TARGET_S else 'MISS'} vs target {TARGET_S} s of imports")
        print(f"  {label:<30} {seconds:7.3f} s   {seconds / reference:7.1f}x   {min(samples[label]):13.3f} s   "
              f"{statistics.median(cpu[label]):12.3f} s{verdict}")
    for label in ("pipeline --help", "pipeline status"):
        print(f"  heaviest top-level imports of {label}: "
              + ", ".join(f"{name} {seconds * 1000:.0f} ms" for seconds, name in heaviest[label]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
