#!/usr/bin/env python3
"""Render benchmark (issues 2 and 16): the pipeline vs the same outputs made by hand-written ffmpeg commands.

Runs the sides in turn on the bundled sample, several rounds, and prints medians and ratios of wall time
and of CPU time (user + sys of every child process, ffmpeg and ffprobe included):
  * pipeline render (the CLI, start-up included)
  * by hand, one ffmpeg per language: decodes each source once per language (issue 2's comparison, target
    <= 1.05 wall; it credits the pipeline with its decode-once saving)
  * by hand, decode once: one ffmpeg per video splits the picture into every language's encode, as the
    pipeline does — like with like (issue 16 target: CPU ratio <= 1.03)
  * where the pipeline's CPU goes: the same render in-process, split into its own Python and its children
  * cost of the soft-subtitle outputs (MP4 + MKV by stream copy) relative to one burned-in encode

Usage: .venv/bin/python bench/render.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import bench_env, children_cpu  # noqa: E402

LANG3 = {"en": "eng", "es": "spa"}
TITLE = {"en": "English", "es": "Español"}


def copy_project(dest: Path) -> Path:
    shutil.copytree(ROOT / "assets", dest / "assets")
    shutil.copytree(ROOT / "subtitles", dest / "subtitles")
    return dest


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """Wall and child CPU seconds of what runs inside ``with meter:`` (added up over several blocks)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> "Meter":
        self._wall, self._cpu = time.perf_counter(), children_cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += children_cpu() - self._cpu


def run(argv: list[str], meter: Meter, env: dict | None = None) -> None:
    with meter:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


#: The pipeline's web-profile caption style for the sample (720p), typed out.
STYLE = ("FontName=Noto Sans,FontSize=17.3,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,"
         "BackColour=&H00000000,Bold=0,BorderStyle=1,Outline=1.9,Shadow=0,Alignment=2,MarginV=31,MarginL=40,"
         "MarginR=40")
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
          "-b:a", "128k", "-movflags", "+faststart"]


def _videos(project: Path) -> list[tuple[str, Path, list[str], str]]:
    catalog = tomllib.loads((project / "assets/catalog.toml").read_text())
    return [(v["id"], project / "assets" / v["source"],
             sorted(p.stem for p in (project / "subtitles" / v["id"]).glob("*.srt")), v["audio_language"])
            for v in catalog["videos"]]


def by_hand(project: Path, out: Path, decode_once: bool = False) -> dict[str, Meter]:
    """The commands a person would type for the same outputs. Returns wall and CPU seconds per output kind.

    ``decode_once``: one ffmpeg per video decodes the source once and encodes every language
    (``split`` + a ``subtitles`` filter per branch), instead of one ffmpeg per language.
    """
    meters = {"burned-in": Meter(), "soft": Meter(), "vtt": Meter()}
    for vid, src, langs, audio_language in _videos(project):
        vout = out / vid
        vout.mkdir(parents=True)
        srts = {lang: project / "subtitles" / vid / f"{lang}.srt" for lang in langs}
        if decode_once:
            graph = f"[0:v]split={len(langs)}" + "".join(f"[v{n}]" for n in range(len(langs))) + ";" + ";".join(
                f"[v{n}]subtitles={srts[lang]}:force_style='{STYLE}'[c{n}]" for n, lang in enumerate(langs))
            argv = ["ffmpeg", "-y", "-v", "error", "-i", str(src), "-filter_complex", graph]
            for n, lang in enumerate(langs):
                argv += ["-map", f"[c{n}]", "-map", "0:a:0", *ENCODE, str(vout / f"{vid}.{lang}.burned-in.mp4")]
            run(argv, meters["burned-in"])
        for lang in langs:
            if not decode_once:
                run(["ffmpeg", "-y", "-v", "error", "-i", str(src), "-vf",
                     f"subtitles={srts[lang]}:force_style='{STYLE}'", *ENCODE,
                     str(vout / f"{vid}.{lang}.burned-in.mp4")], meters["burned-in"])
            run(["ffmpeg", "-y", "-v", "error", "-i", str(srts[lang]), str(vout / f"{vid}.{lang}.vtt")], meters["vtt"])
        for container, codec in (("mp4", "mov_text"), ("mkv", "srt")):
            argv = ["ffmpeg", "-y", "-v", "error", "-i", str(src)]
            for lang in langs:
                argv += ["-i", str(srts[lang])]
            argv += ["-map", "0:v:0", "-map", "0:a:0"]
            for n, lang in enumerate(langs):
                argv += ["-map", f"{n + 1}:s:0", f"-metadata:s:s:{n}", f"language={LANG3.get(lang, lang)}",
                         f"-disposition:s:{n}", "default" if lang == audio_language else "0"]
                if container == "mkv":
                    argv += [f"-metadata:s:s:{n}", f"title={TITLE.get(lang, lang)}"]
            argv += ["-c:v", "copy", "-c:a", "copy", "-c:s", codec, str(vout / f"{vid}.subtitled.{container}")]
            run(argv, meters["soft"])
    return meters


def pipeline_render(project: Path) -> Meter:
    shutil.rmtree(project / "dist", ignore_errors=True)
    meter = Meter()
    run([sys.executable, "-m", "pipeline", "-q", "--project", str(project), "render"], meter, env=bench_env(ROOT))
    return meter


def pipeline_in_process(project: Path) -> tuple[float, float]:
    """The same render inside this process: CPU seconds of its own Python (planning, hashing, reading
    ffmpeg's progress; no start-up) and of its children (ffmpeg and ffprobe)."""
    from pipeline.build import BuildOptions, run_build
    from pipeline.project import load_project

    shutil.rmtree(project / "dist", ignore_errors=True)
    own, children = self_cpu(), children_cpu()
    result = run_build(load_project(project, explicit=True), None, BuildOptions())
    if result.failures:
        raise SystemExit(f"render failed: {result.failures[0][1]}")
    return self_cpu() - own, children_cpu() - children


def _med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        sides: dict[str, list[Meter]] = {"pipeline": [], "separate": [], "decode-once": []}
        burn_cpu, burn_wall, soft_wall, own_cpu, child_cpu = [], [], [], [], []
        pipeline_render(project)  # warm the page cache and any first-run costs for every side
        for r in range(args.rounds):
            sides["pipeline"].append(pipeline_render(project))
            for name, once in (("separate", False), ("decode-once", True)):
                out = Path(tmp) / f"hand-{r}-{name}"
                parts = by_hand(project, out, decode_once=once)
                total = Meter()
                total.wall, total.cpu = sum(m.wall for m in parts.values()), sum(m.cpu for m in parts.values())
                sides[name].append(total)
                if once:
                    burn_cpu.append(parts["burned-in"].cpu)
                else:
                    burn_wall.append(parts["burned-in"].wall)
                    soft_wall.append(parts["soft"].wall)
                shutil.rmtree(out)
            own, children = pipeline_in_process(project)
            own_cpu.append(own)
            child_cpu.append(children)
            print(f"round {r + 1}: CPU s " + ", ".join(f"{k} {v[-1].cpu:.2f}" for k, v in sides.items()),
                  file=sys.stderr, flush=True)
        n_burn = sum(1 for _ in (project / "dist").rglob("*.burned-in.mp4"))
        outputs = len(json.loads((project / "dist" / "manifest.json").read_text())["outputs"])
        wall = {k: _med([m.wall for m in v]) for k, v in sides.items()}
        cpu = {k: _med([m.cpu for m in v]) for k, v in sides.items()}
        print(f"rounds: {args.rounds}; outputs per render: {outputs}; medians; CPU = user + sys of child processes "
              f"({os.cpu_count()} cores)")
        print(f"{'':40s} {'wall s':>8s} {'CPU s':>8s}  {'wall ratio':>10s} {'CPU ratio':>9s}")
        labels = {"pipeline": "pipeline render (CLI, incl. start-up)", "separate": "by hand, one ffmpeg per language",
                  "decode-once": "by hand, decode once (like with like)"}
        for key, label in labels.items():
            ratio = "" if key == "pipeline" else \
                f"{wall['pipeline'] / wall[key]:10.3f} {cpu['pipeline'] / cpu[key]:9.3f}"
            print(f"{label:40s} {wall[key]:8.2f} {cpu[key]:8.2f}  {ratio}")
        paired = {k: _med([p.cpu / h.cpu for p, h in zip(sides["pipeline"], sides[k])]) for k in labels if k != "pipeline"}
        print(f"{'CPU ratio, median of the rounds (paired)':40s} {'':8s} {'':8s}  {'':10s} "
              + " / ".join(f"{paired[k]:.3f}" for k in paired) + "  (vs one per language / vs decode once)")
        print("  (ratios are pipeline / by hand; targets: wall vs one-per-language <= 1.05 (issue 2), "
              "CPU vs decode once <= 1.03 (issue 16))")
        own, children = _med(own_cpu), _med(child_cpu)
        print(f"pipeline in-process: its Python {own:.2f} CPU-s, its ffmpeg + ffprobe children {children:.2f} CPU-s "
              f"(hand decode once: {cpu['decode-once']:.2f}; children / hand = {children / cpu['decode-once']:.3f})")
        print(f"  of the hand side, its burn-ins: {_med(burn_cpu):.2f} CPU-s; the CLI's start-up and imports are not in the "
              "in-process figures")
        one_burn = _med(burn_wall) / max(n_burn, 1)
        soft = _med(soft_wall)
        print(f"one burned-in encode:                   median {one_burn:.2f} s")
        print(f"all soft-subtitle outputs (MP4 + MKV):  median {soft:.3f} s  = {soft / one_burn:.3f} x one burned-in encode")


if __name__ == "__main__":
    main()
