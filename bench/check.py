"""Benchmark: `pipeline check` on the largest real file in ../shared/corpus (WonderWoman, 1,586 cues).

Target: <= 0.3 s wall time, interpreter start-up and imports excluded. Printed side by side, medians of
several runs: reading alone, the library check, and the whole `check` command in-process (reading, rules,
formatting ~500 finding lines).
Run: python bench/check.py [FILE]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

RUNS = 7
TARGET_S = 0.3
NAME = "srt_realworld_malformed/subtitlejs__WonderWoman.srt"


def find_corpus() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        if (folder / "shared" / "corpus").is_dir():
            return folder / "shared" / "corpus"
    return None


def median_time(fn) -> float:
    fn()  # warm: lazy imports and caches are start-up, not the check
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        corpus = find_corpus()
        if corpus is None:
            print("skipped: ../shared/corpus is not present")
            return 0
        path = corpus / NAME
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    started = time.perf_counter()
    from click.testing import CliRunner

    from pipeline.checks import check_files
    from pipeline.cli import cli
    from pipeline.formats import read_track
    imports = time.perf_counter() - started

    runner = CliRunner()

    def command():
        result = runner.invoke(cli, ["-q", "check", str(path)])
        assert result.exit_code in (0, 1), result.output

    cues = len(read_track(path))
    figures = {
        "read": median_time(lambda: read_track(path)),
        "check (library)": median_time(lambda: check_files([path])),
        "check (command, in-process)": median_time(command),
    }
    print(f"{path.name}: {cues} cues, median of {RUNS} runs (imports once: {imports:.3f} s, not counted)")
    for label, seconds in figures.items():
        print(f"  {label:<32} {seconds:7.3f} s   {seconds / TARGET_S:5.0%} of the {TARGET_S} s target")
    command_s = figures["check (command, in-process)"]
    print(f"  rules and output cost {command_s / figures['read']:.1f}x the read alone")
    print(f"  {'PASS' if command_s <= TARGET_S else 'MISS'}: check {command_s:.3f} s vs target {TARGET_S} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
