"""Benchmark: how long `pipeline --help` and `pipeline status` spend importing modules, on the bundled sample.

Target: each under 0.15 s of import time, as `python -X importtime` counts it (the sum of every module's own
time, interpreter start-up imports included). Medians of several runs, printed side by side with the bare
interpreter's own start-up imports (`python -c pass`) and a bare click group's `--help` (what any click
program pays; "x floor" is the median of each round's ratio to it), measured in the same run so that a loaded
machine shows in them too, and with the CPU time of each whole command (which waiting for a busy CPU does not
inflate; status's includes its ffprobe child: the sample has no build cache). The heaviest imports of each
command are listed to show where the time goes. `-X importtime` does not time a module loaded through
`importlib.import_module` on its own (the command module, ~1 ms; the rule modules count in pipeline.checks).

Each tree's `status` keeps its spelling answers in a cache folder of the bench's own, filled by the warm-up:
the measured runs are a second `status`, as a person's are.

Modules run from compiled bytecode, as an installed pipeline does (pip compiles it): the bench keeps its own
bytecode cache in a temporary folder (PYTHONPYCACHEPREFIX, filled by one warm-up run of each case), whatever
PYTHONDONTWRITEBYTECODE says, so that compiling pipeline's sources is not counted as importing them.

With ``--against REF`` the same commands also run from a copy of commit REF (``git archive``, its own sample),
interleaved with this tree's runs, and the ratios this / REF are printed.
Run: python bench/startup.py [RUNS] [--against REF]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.15
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
#: What any click program pays for `--help`: the floor under `pipeline --help`.
_CLICK_ONLY = "import click; click.Group('pipeline', help='Caption pipeline.')(['--help'], prog_name='pipeline')"
_FLOOR = ("bare click group --help (floor)", "this tree")
COMMANDS = {"pipeline --help": ["-m", "pipeline", "--help"], "pipeline status": ["-m", "pipeline", "status"]}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_times(args: list[str], tree: Path, pycache: str,
                 user_cache: str) -> tuple[float, float, list[tuple[float, str]]]:
    """(total seconds of imports, CPU seconds of the run, [(cumulative seconds, module)] of top-level imports)."""
    path = os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path, COLUMNS="120", PYTHONPYCACHEPREFIX=pycache, XDG_CACHE_HOME=user_cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = _cpu()
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=tree, env=env,
                          capture_output=True, text=True)
    cpu = _cpu() - before
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} in {tree} failed: {proc.stderr.strip().splitlines()[-1:]}")
    total, top = 0, []
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            total += int(m.group(1))
            if len(m.group(3)) == 1:
                top.append((int(m.group(2)) / 1e6, m.group(4)))
    return total / 1e6, cpu, top


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=7)
    parser.add_argument("--against", metavar="REF", help="also measure commit REF, side by side")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        pycache = str(Path(tmp) / "pycache")
        trees = {"this tree": REPO}
        if opts.against:
            other = Path(tmp) / "against"
            other.mkdir()
            archive = subprocess.run(["git", "archive", opts.against], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(other)], input=archive.stdout, check=True)
            trees[opts.against] = other
        cases = {("python -c pass (reference)", "this tree"): (["-c", "pass"], REPO),
                 _FLOOR: (["-c", _CLICK_ONLY], REPO)}
        for label, args in COMMANDS.items():
            for name, tree in trees.items():
                cases[(label, name)] = (args, tree)
        # Each tree keeps its spelling answers in a cache folder of its own (filled by the warm-up, as a
        # second `status` finds it): in the user's shared one, other checkouts' runs (and the other tree
        # here) would keep replacing them, and a run that misses imports enchant (~30 ms).
        user_caches = {tree: str(Path(tmp) / f"xdg-cache-{i}") for i, tree in enumerate(trees.values())}
        for args, tree in cases.values():  # warm-up: fills the bytecode cache
            import_times(args, tree, pycache, user_caches[tree])
        samples = {case: [] for case in cases}
        cpu = {case: [] for case in cases}
        heaviest: dict[tuple[str, str], list[tuple[float, str]]] = {}
        for _ in range(opts.runs):  # interleaved, so the load of the machine falls on every case alike
            for case, (args, tree) in cases.items():
                total, seconds, top = import_times(args, tree, pycache, user_caches[tree])
                samples[case].append(total)
                cpu[case].append(seconds)
                heaviest[case] = sorted(top, reverse=True)[:6]
    medians = {case: statistics.median(values) for case, values in samples.items()}
    reference = medians[("python -c pass (reference)", "this tree")]
    print(f"median of {opts.runs} runs on the bundled sample, from bytecode (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    floor = samples[_FLOOR]
    print(f"  {'':<44} {'imports':>9}   {'x python':>8}   {'x floor':>7}   {'least disturbed':>15}   "
          f"{'CPU of the run':>14}")
    for (label, name), seconds in medians.items():
        verdict = "" if not label.startswith("pipeline") or name != "this tree" else (
            f"   {'PASS' if seconds <= TARGET_S else 'MISS'} vs target {TARGET_S} s of imports")
        shown = label if not label.startswith("pipeline") else f"{label} ({name})"
        # x floor: the median of each round's ratio to the floor measured in the same round (a load that
        # comes and goes falls on both)
        paired = statistics.median(mine / theirs for mine, theirs in zip(samples[(label, name)], floor))
        print(f"  {shown:<44} {seconds:7.3f} s   {seconds / reference:7.1f}x   {paired:6.2f}x   "
              f"{min(samples[(label, name)]):13.3f} s   {statistics.median(cpu[(label, name)]):12.3f} s{verdict}")
    if opts.against:
        for label in COMMANDS:
            mine, theirs = (label, "this tree"), (label, opts.against)
            print(f"  {label}: this tree / {opts.against}: imports {medians[mine] / medians[theirs]:.2f}, "
                  f"CPU of the run {statistics.median(cpu[mine]) / statistics.median(cpu[theirs]):.2f}")
    for label in COMMANDS:
        print(f"  heaviest top-level imports of {label}: "
              + ", ".join(f"{name} {seconds * 1000:.0f} ms" for seconds, name in heaviest[(label, "this tree")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
