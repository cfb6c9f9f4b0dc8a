"""Benchmark: incremental and parallel builds, side by side in one run (medians).

On a generated catalog (several animated videos x languages, one of them Arabic) it measures:
  - full builds: -j 1 vs -j 2, separate encodes vs decode-once (one ffmpeg per video, split per language)
  - a no-op rebuild, in-process and as a whole `pipeline build -q` process (target: <= 1 s and <= 2% of
    the full build)
  - a rebuild after one track changed, against the full build
  - the vertical profile's fill modes: blur (its default) against pad and crop, wall and CPU time (--part fill)
Configurations are interleaved (A B C D, A B C D ...) so a busy machine slows them alike.

    python bench/build.py [--videos 2] [--seconds 20] [--repeat 3] [--size 1280x720] [--part all|builds|fill]

The defaults are close to the bundled sample (720p, tens of seconds); small clips (--size 640x360
--seconds 8) make start-up costs, and so decode-once and -j 2, count for more.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.build import DECODE_ONCE_DEFAULT, BuildOptions, default_jobs, run_build  # noqa: E402
from pipeline.project import load_project  # noqa: E402

TRACKS = {
    "en": ["Survivors deserve to be heard.", "Support services make a difference.", "Help is available."],
    "es": ["Las personas sobrevivientes merecen ser escuchadas.", "Los servicios de apoyo marcan la diferencia.",
           "Hay ayuda disponible."],
    "ar": ["الناجون يستحقون أن يُسمعوا.", "خدمات الدعم تصنع فرقًا.", "المساعدة متاحة."],
}


def srt(lines: list[str], seconds: float, version: int = 0) -> str:
    step = seconds / len(lines)
    out = []
    for i, text in enumerate(lines):
        a, b = int(i * step * 1000) + 100, int((i + 1) * step * 1000) - 100
        ts = lambda ms: f"00:00:{ms // 1000:02d},{ms % 1000:03d}"  # noqa: E731
        out.append(f"{i + 1}\n{ts(a)} --> {ts(b)}\n{text}{' (v%d)' % version if version else ''}\n")
    return "\n".join(out)


def make_catalog(root: Path, videos: int, seconds: float, size: str) -> None:
    (root / "assets").mkdir(parents=True)
    entries = []
    for n in range(videos):
        vid = f"clip-{n + 1}"
        source = root / "assets" / f"{vid}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency={330 + 110 * n}:duration={seconds}",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t",
                        str(seconds), str(source)], check=True)
        for lang, lines in TRACKS.items():
            path = root / "subtitles" / vid / f"{lang}.srt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(srt(lines, seconds), encoding="utf-8")
        entries.append(f'[[videos]]\nid = "{vid}"\nsource = "{vid}.mp4"\naudio_language = "en"\n')
    (root / "assets/catalog.toml").write_text(
        '[project]\nname = "bench"\nhuman_languages = ["en", "es", "ar"]\n\n' + "\n".join(entries), encoding="utf-8")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def build(root: Path, **options) -> None:
    result = run_build(load_project(root, explicit=True), None, BuildOptions(**options))
    if result.failures:
        raise SystemExit(f"bench build failed: {result.failures[0][1]}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


FILLS = ("pad", "blur", "crop")


def fill_costs(args) -> None:
    """The vertical profile's fills side by side: one video, its burned-in vertical outputs (every language,
    decoded once), rebuilt with each fill in turn, interleaved; medians of wall and ffmpeg CPU time."""
    with tempfile.TemporaryDirectory(prefix="bench-fill-") as tmp:
        root = Path(tmp) / "project"
        make_catalog(root, 1, args.seconds, args.size)
        catalog = root / "assets/catalog.toml"
        base = catalog.read_text(encoding="utf-8")

        def use(fill: str) -> None:
            catalog.write_text(base.replace("[project]", f'[profiles]\nbuild = ["vertical"]\n'
                                                          f'[profiles.vertical]\nfit = "{fill}"\n\n[project]', 1),
                               encoding="utf-8")

        use("pad")
        build(root, jobs=1, profiles=("vertical",))  # warm up
        wall: dict[str, list[float]] = {f: [] for f in FILLS}
        cpu: dict[str, list[float]] = {f: [] for f in FILLS}
        for _ in range(args.repeat):
            for fill in FILLS:
                use(fill)
                before = children_cpu()
                wall[fill].append(timed(lambda: build(root, jobs=1, force=True, profiles=("vertical",))))
                cpu[fill].append(children_cpu() - before)
    print(f"\nvertical profile fill, 1 video x {len(TRACKS)} languages decoded once, {args.seconds:g} s of "
          f"{args.size}, median of {args.repeat} (wall s / ffmpeg CPU s):")
    for fill in FILLS:
        print(f"  {fill:<5} {statistics.median(wall[fill]):7.2f} s  {statistics.median(cpu[fill]):7.2f} CPU-s")
    pad_wall, pad_cpu = statistics.median(wall["pad"]), statistics.median(cpu["pad"])
    for fill in ("blur", "crop"):
        ratios = [w / p for w, p in zip(wall[fill], wall["pad"])]
        cpu_ratios = [c / p for c, p in zip(cpu[fill], cpu["pad"])]
        print(f"  {fill} / pad: wall {statistics.median(wall[fill]) / pad_wall:5.2f} (paired {statistics.median(ratios):.2f}), "
              f"CPU {statistics.median(cpu[fill]) / pad_cpu:5.2f} (paired {statistics.median(cpu_ratios):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--part", choices=("all", "builds", "fill"), default="all")
    args = parser.parse_args()
    if args.part in ("all", "builds"):
        builds(args)
    if args.part in ("all", "fill"):
        fill_costs(args)


def builds(args) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp) / "project"
        make_catalog(root, args.videos, args.seconds, args.size)
        outputs = args.videos * (len(TRACKS) * 2 + 2)
        print(f"catalog: {args.videos} videos x {len(TRACKS)} languages, {args.seconds:g} s of {args.size} each: "
              f"{outputs} outputs ({args.videos * len(TRACKS)} burned-in encodes); this machine: "
              f"{os.cpu_count()} CPUs, default -j {default_jobs()}")
        build(root, jobs=default_jobs())  # warm up: caches, page cache, fonts

        configs = {
            "-j 1, separate encodes": dict(jobs=1, decode_once=False),
            "-j 2, separate encodes": dict(jobs=2, decode_once=False),
            "-j 1, decode once": dict(jobs=1, decode_once=True),
            "-j 2, decode once": dict(jobs=2, decode_once=True),
        }
        full: dict[str, list[float]] = {name: [] for name in configs}
        noop_lib, noop_cli, one_track, startup = [], [], [], []
        env = dict(os.environ, PYTHONPATH=str(REPO))
        cli = [sys.executable, "-m", "pipeline", "--project", str(root), "build", "-q"]
        track = root / "subtitles/clip-1/es.srt"
        for rep in range(args.repeat):
            for name, options in configs.items():
                full[name].append(timed(lambda: build(root, force=True, **options)))
            noop_lib.append(timed(lambda: build(root)))
            noop_cli.append(timed(lambda: subprocess.run(cli, cwd=REPO, env=env, check=True, capture_output=True)))
            track.write_text(srt(TRACKS["es"], args.seconds, version=rep + 1), encoding="utf-8")
            one_track.append(timed(lambda: build(root)))
        for _ in range(4):  # no-op is cheap: a few more samples
            noop_lib.append(timed(lambda: build(root)))
            noop_cli.append(timed(lambda: subprocess.run(cli, cwd=REPO, env=env, check=True, capture_output=True)))
            startup.append(timed(lambda: subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=REPO,
                                                        env=env, check=True, capture_output=True)))

    med = {name: statistics.median(v) for name, v in full.items()}
    print(f"\nfull build (--force), median of {args.repeat}:")
    for name, value in med.items():
        print(f"  {name:<26} {value:7.2f} s")
    base = med["-j 1, separate encodes"]
    print("ratios:")
    print(f"  -j 2 / -j 1 (separate)          {med['-j 2, separate encodes'] / base:5.2f}")
    print(f"  -j 2 / -j 1 (decode once)       {med['-j 2, decode once'] / med['-j 1, decode once']:5.2f}")
    print(f"  decode once / separate (-j 1)   {med['-j 1, decode once'] / base:5.2f}")
    print(f"  decode once / separate (-j 2)   {med['-j 2, decode once'] / med['-j 2, separate encodes']:5.2f}")
    best = min(med, key=med.get)
    default = f"-j {min(default_jobs(), 2)}, {'decode once' if DECODE_ONCE_DEFAULT else 'separate encodes'}"
    reference = med[default]
    lib, proc, one = statistics.median(noop_lib), statistics.median(noop_cli), statistics.median(one_track)
    print(f"\nagainst the default full build ({default}, {reference:.2f} s):")
    print(f"  no-op rebuild, in-process           {lib:7.3f} s  ({lib / reference:.1%})")
    verdict = "OK" if proc <= 1.0 and proc / reference <= 0.02 else "MISSED"
    print(f"  no-op rebuild, `pipeline build -q`  {proc:7.3f} s  ({proc / reference:.1%}; target <= 1 s and <= 2%: "
          f"{verdict})")
    print(f"    of which start-up (`pipeline --help`) {statistics.median(startup):.3f} s")
    print(f"  one track changed (es of 1 video)   {one:7.2f} s  ({one / reference:.1%}; rebuilds 1 burn, 1 sidecar "
          f"and 2 soft files of {outputs} outputs)")
    print(f"\nfastest full build here: {best} (default: {default})")


if __name__ == "__main__":
    main()
