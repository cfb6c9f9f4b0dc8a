"""Benchmark: incremental and parallel builds, side by side in one run (medians).

On generated catalogs it measures, each build as a whole `pipeline build` process (wall time, CPU time of
the process tree, peak resident memory of the tree sampled every 20 ms):
  - parallel builds: a 2-language catalog built with -j 1 and -j 2 (target: -j 2 <= 0.65 of -j 1), beside
    the same outputs encoded in one piece per output (``[render] segment_seconds = 0``, decode once)
  - a no-op rebuild, in-process and as a whole `pipeline build -q` process (target: <= 1 s and <= 2% of
    the full build)
  - a rebuild after one track changed, against the full build
  - peak memory of a 1080p build with many languages and profiles (target <= 700 MiB whatever their
    number), segmented with -j 1 and -j 2 and in one piece
  - the vertical profile's fill modes: blur (its default) against pad and crop, wall and CPU time (--part fill)
Configurations are interleaved (A B C, A B C ...) so a busy machine slows them alike.

    python bench/build.py [--videos 2] [--seconds 20] [--repeat 3] [--size 1280x720] [--part all|builds|fill]
                          [--memory-languages 4] [--memory-size 1920x1080] [--memory-seconds 8]

The defaults are close to the bundled sample (720p, tens of seconds); small clips (--size 640x360
--seconds 8) make start-up costs, and so decode-once and -j 2, count for more.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import Run, bench_env, measure, pipeline_cli  # noqa: E402
from pipeline.build import BuildOptions, default_jobs, run_build  # noqa: E402
from pipeline.project import load_project  # noqa: E402

TRACKS = {
    "en": ["Survivors deserve to be heard.", "Support services make a difference.", "Help is available."],
    "es": ["Las personas sobrevivientes merecen ser escuchadas.", "Los servicios de apoyo marcan la diferencia.",
           "Hay ayuda disponible."],
    "ar": ["الناجون يستحقون أن يُسمعوا.", "خدمات الدعم تصنع فرقًا.", "المساعدة متاحة."],
    "fr": ["Les survivantes méritent d'être entendues.", "Le soutien fait la différence.", "De l'aide existe."],
}


def srt(lines: list[str], seconds: float, version: int = 0) -> str:
    step = seconds / len(lines)
    out = []
    for i, text in enumerate(lines):
        a, b = int(i * step * 1000) + 100, int((i + 1) * step * 1000) - 100
        ts = lambda ms: f"00:{ms // 60000:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"  # noqa: E731
        out.append(f"{i + 1}\n{ts(a)} --> {ts(b)}\n{text}{' (v%d)' % version if version else ''}\n")
    return "\n".join(out)


def make_catalog(root: Path, videos: int, seconds: float, size: str, languages: list[str],
                 render: str = "", profiles: list[str] | None = None) -> None:
    (root / "assets").mkdir(parents=True)
    entries = []
    for n in range(videos):
        vid = f"clip-{n + 1}"
        source = root / "assets" / f"{vid}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency={330 + 110 * n}:duration={seconds}",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t",
                        str(seconds), str(source)], check=True)
        for lang in languages:
            path = root / "subtitles" / vid / f"{lang}.srt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(srt(TRACKS[lang], seconds), encoding="utf-8")
        entries.append(f'[[videos]]\nid = "{vid}"\nsource = "{vid}.mp4"\naudio_language = "en"\n')
    humans = ", ".join(f'"{lang}"' for lang in languages)
    extra = f"[render]\n{render}\n" if render else ""
    if profiles:
        extra += "[profiles]\nbuild = [" + ", ".join(f'"{p}"' for p in profiles) + "]\n"
    (root / "assets/catalog.toml").write_text(
        f'[project]\nname = "bench"\nhuman_languages = [{humans}]\n\n{extra}\n' + "\n".join(entries), encoding="utf-8")


def plain_copy(root: Path, dest: Path) -> Path:
    """The same project with every output encoded in one piece, every burned-in output of a video from one
    decode, no memory cap: the pipeline before segments."""
    shutil.copytree(root / "assets", dest / "assets", copy_function=os.link)
    shutil.copytree(root / "subtitles", dest / "subtitles")
    catalog = dest / "assets/catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    catalog.unlink()  # a hard link: do not change the original
    catalog.write_text(text.replace("[project]", "[render]\nsegment_seconds = 0\nmemory_mib = 100000\n\n[project]", 1),
                       encoding="utf-8")
    return dest


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def build(root: Path, **options) -> None:
    result = run_build(load_project(root, explicit=True), None, BuildOptions(**options))
    if result.failures:
        raise SystemExit(f"bench build failed: {result.failures[0][1]}")


def med(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def paired(a: list[Run], b: list[Run], attr: str) -> float:
    return statistics.median(getattr(x, attr) / getattr(y, attr) for x, y in zip(a, b))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


FILLS = ("pad", "blur", "crop")


def fill_costs(args) -> None:
    """The vertical profile's fills side by side: one video, its burned-in vertical outputs (every language,
    decoded once), rebuilt with each fill in turn, interleaved; medians of wall and ffmpeg CPU time."""
    with tempfile.TemporaryDirectory(prefix="bench-fill-") as tmp:
        root = Path(tmp) / "project"
        make_catalog(root, 1, args.seconds, args.size, list(TRACKS))
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
    parser.add_argument("--memory-languages", type=int, default=4)
    parser.add_argument("--memory-size", default="1920x1080")
    parser.add_argument("--memory-seconds", type=float, default=8.0)
    parser.add_argument("--part", choices=("all", "builds", "fill"), default="all")
    args = parser.parse_args()
    if args.part in ("all", "builds"):
        builds(args)
    if args.part in ("all", "fill"):
        fill_costs(args)


def builds(args) -> None:
    env = bench_env(REPO)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp) / "project"
        make_catalog(root, args.videos, args.seconds, args.size, ["en", "es"])
        plain = plain_copy(root, Path(tmp) / "plain")
        outputs = args.videos * (2 * 2 + 2)
        print(f"catalog: {args.videos} videos x English and Spanish, {args.seconds:g} s of {args.size} each: "
              f"{outputs} outputs ({args.videos * 2} burned-in); this machine: {os.cpu_count()} CPUs, "
              f"default -j {default_jobs()}")
        for project in (root, plain):
            measure(pipeline_cli(project, "build"), env=env)  # warm up: caches, page cache, fonts

        configs = {
            "-j 1": (root, ["-j", "1"]),
            "-j 2": (root, ["-j", "2"]),
            "-j 1, in one piece": (plain, ["-j", "1"]),
            "-j 2, in one piece": (plain, ["-j", "2"]),
        }
        full: dict[str, list[Run]] = {name: [] for name in configs}
        noop_lib, noop_cli, one_track, startup = [], [], [], []
        cli = pipeline_cli(root, "build")
        track = root / "subtitles/clip-1/es.srt"
        for rep in range(args.repeat):
            for name, (project, flags) in configs.items():
                full[name].append(measure(pipeline_cli(project, "build", "--force", *flags), env=env))
            noop_lib.append(timed(lambda: run_build(load_project(root, explicit=True), None, BuildOptions())))
            noop_cli.append(measure(cli, env=env).wall)
            track.write_text(srt(TRACKS["es"], args.seconds, version=rep + 1), encoding="utf-8")
            one_track.append(measure(cli, env=env).wall)
        for _ in range(4):  # no-op is cheap: a few more samples
            noop_lib.append(timed(lambda: run_build(load_project(root, explicit=True), None, BuildOptions())))
            noop_cli.append(measure(cli, env=env).wall)
            startup.append(measure([sys.executable, "-m", "pipeline", "--help"], env=env).wall)

        # Memory: one 1080p video in many languages and profiles.
        langs = list(TRACKS)[:max(1, min(args.memory_languages, len(TRACKS)))]
        big = Path(tmp) / "memory"
        make_catalog(big, 1, args.memory_seconds, args.memory_size, langs, profiles=["web", "square", "vertical"])
        big_plain = plain_copy(big, Path(tmp) / "memory-plain")
        memory: dict[str, list[Run]] = {"segmented, -j 2": [], "segmented, -j 1": [], "in one piece, -j 2": []}
        for project in (big, big_plain):
            measure(pipeline_cli(project, "build"), env=env)
        for _ in range(max(1, args.repeat - 1)):
            memory["segmented, -j 2"].append(measure(pipeline_cli(big, "build", "--force", "-j", "2"), env=env))
            memory["segmented, -j 1"].append(measure(pipeline_cli(big, "build", "--force", "-j", "1"), env=env))
            memory["in one piece, -j 2"].append(measure(pipeline_cli(big_plain, "build", "--force", "-j", "2"),
                                                        env=env))

    print(f"\nfull build (pipeline build --force), median of {args.repeat}; CPU = user + sys of the process tree:")
    print(f"  {'':24s} {'wall s':>8s} {'CPU s':>8s} {'peak MiB':>9s}")
    for name, runs in full.items():
        print(f"  {name:<24s} {med(runs, 'wall'):8.2f} {med(runs, 'cpu'):8.2f} {med(runs, 'peak_mib'):9.0f}")
    ratio = paired(full["-j 2"], full["-j 1"], "wall")
    print("ratios (paired rounds):")
    print(f"  -j 2 / -j 1, wall                  {ratio:5.2f}  (target <= 0.65: {'met' if ratio <= 0.65 else 'MISSED'})")
    print(f"  -j 2 / -j 1, wall, in one piece    {paired(full['-j 2, in one piece'], full['-j 1, in one piece'], 'wall'):5.2f}")
    print(f"  segmented / in one piece, -j 2     wall {paired(full['-j 2'], full['-j 2, in one piece'], 'wall'):5.2f}  "
          f"CPU {paired(full['-j 2'], full['-j 2, in one piece'], 'cpu'):5.2f}")
    print(f"  segmented / in one piece, -j 1     wall {paired(full['-j 1'], full['-j 1, in one piece'], 'wall'):5.2f}  "
          f"CPU {paired(full['-j 1'], full['-j 1, in one piece'], 'cpu'):5.2f}")
    reference = med(full["-j 2"], "wall")
    lib, proc, one = statistics.median(noop_lib), statistics.median(noop_cli), statistics.median(one_track)
    print(f"\nagainst the default full build (-j 2, {reference:.2f} s):")
    print(f"  no-op rebuild, in-process           {lib:7.3f} s  ({lib / reference:.1%})")
    verdict = "met" if proc <= 1.0 and proc / reference <= 0.02 else "MISSED"
    print(f"  no-op rebuild, `pipeline build -q`  {proc:7.3f} s  ({proc / reference:.1%}; target <= 1 s and <= 2%: "
          f"{verdict})")
    print(f"    of which start-up (`pipeline --help`) {statistics.median(startup):.3f} s")
    print(f"  one track changed (es of 1 video)   {one:7.2f} s  ({one / reference:.1%}; its burn-in's changed "
          f"segments, 1 sidecar and 2 soft files of {outputs} outputs)")
    print(f"\npeak memory of the process tree, 1 video of {args.memory_seconds:g} s at {args.memory_size}, "
          f"{len(langs)} languages x 3 profiles = {len(langs) * 3} burned-in outputs:")
    for name, runs in memory.items():
        peak = max(r.peak_mib for r in runs)
        target = f"  (target <= 700 MiB: {'met' if peak <= 700 else 'MISSED'})" if name.startswith("segmented") else ""
        print(f"  {name:<22s} {peak:7.0f} MiB  wall {med(runs, 'wall'):6.2f} s  CPU {med(runs, 'cpu'):6.2f} s{target}")


if __name__ == "__main__":
    main()
