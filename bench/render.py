#!/usr/bin/env python3
"""Render benchmark (issue 2): the pipeline vs the same outputs made by hand-written ffmpeg commands.

Runs both side by side on the bundled sample, alternating, several rounds, and prints medians and ratios:
  * pipeline render (the CLI, start-up included) vs hand-typed ffmpeg commands  — target ratio <= 1.05
  * cost of the soft-subtitle outputs (MP4 + MKV by stream copy) relative to one burned-in encode

Usage: .venv/bin/python bench/render.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANG3 = {"en": "eng", "es": "spa"}
TITLE = {"en": "English", "es": "Español"}


def copy_project(dest: Path) -> Path:
    shutil.copytree(ROOT / "assets", dest / "assets")
    shutil.copytree(ROOT / "subtitles", dest / "subtitles")
    return dest


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def by_hand(project: Path, out: Path) -> dict[str, float]:
    """The commands a person would type for the same outputs. Returns seconds per output kind."""
    catalog = tomllib.loads((project / "assets/catalog.toml").read_text())
    times: dict[str, float] = {"burned-in": 0.0, "soft": 0.0, "vtt": 0.0}
    style = ("FontName=Noto Sans,FontSize=17.3,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,"
             "BorderStyle=1,Outline=1.9,Shadow=0,Alignment=2,MarginV=29,MarginL=29,MarginR=29")
    for video in catalog["videos"]:
        vid, src = video["id"], project / "assets" / video["source"]
        langs = sorted(p.stem for p in (project / "subtitles" / vid).glob("*.srt"))
        vout = out / vid
        vout.mkdir(parents=True)
        for lang in langs:
            srt = project / "subtitles" / vid / f"{lang}.srt"
            times["burned-in"] += timed([
                "ffmpeg", "-y", "-v", "error", "-i", str(src), "-vf", f"subtitles={srt}:force_style='{style}'",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-b:a", "128k", "-movflags", "+faststart", str(vout / f"{vid}.{lang}.burned-in.mp4")])
            times["vtt"] += timed(["ffmpeg", "-y", "-v", "error", "-i", str(srt), str(vout / f"{vid}.{lang}.vtt")])
        for container, codec in (("mp4", "mov_text"), ("mkv", "srt")):
            argv = ["ffmpeg", "-y", "-v", "error", "-i", str(src)]
            for lang in langs:
                argv += ["-i", str(project / "subtitles" / vid / f"{lang}.srt")]
            argv += ["-map", "0:v:0", "-map", "0:a:0"]
            for n, lang in enumerate(langs):
                argv += ["-map", f"{n + 1}:s:0", f"-metadata:s:s:{n}", f"language={LANG3.get(lang, lang)}",
                         f"-disposition:s:{n}", "default" if lang == video["audio_language"] else "0"]
                if container == "mkv":
                    argv += [f"-metadata:s:s:{n}", f"title={TITLE.get(lang, lang)}"]
            argv += ["-c:v", "copy", "-c:a", "copy", "-c:s", codec, str(vout / f"{vid}.subtitled.{container}")]
            times["soft"] += timed(argv)
    return times


def pipeline_render(project: Path) -> float:
    shutil.rmtree(project / "dist", ignore_errors=True)
    return timed([sys.executable, "-m", "pipeline", "-q", "--project", str(project), "render"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        pipeline_times, hand_times, burn_times, soft_times = [], [], [], []
        pipeline_render(project)  # warm the page cache and any first-run costs for both sides
        for r in range(args.rounds):
            pipeline_times.append(pipeline_render(project))
            out = Path(tmp) / f"hand-{r}"
            parts = by_hand(project, out)
            hand_times.append(sum(parts.values()))
            burn_times.append(parts["burned-in"])
            soft_times.append(parts["soft"])
            shutil.rmtree(out)
        n_burn = sum(1 for _ in (project / "dist").rglob("*.burned-in.mp4"))
        p, h = statistics.median(pipeline_times), statistics.median(hand_times)
        one_burn = statistics.median(burn_times) / max(n_burn, 1)
        soft = statistics.median(soft_times)
        outputs = len(json.loads((project / "dist" / "manifest.json").read_text())["outputs"])
        print(f"rounds: {args.rounds}; outputs per render: {outputs}")
        print(f"pipeline render (CLI, incl. start-up):  median {p:.2f} s  runs {[round(t, 2) for t in pipeline_times]}")
        print(f"hand-written ffmpeg commands:           median {h:.2f} s  runs {[round(t, 2) for t in hand_times]}")
        print(f"ratio pipeline / by hand:               {p / h:.3f}  (target <= 1.05)")
        print(f"one burned-in encode:                   median {one_burn:.2f} s")
        print(f"all soft-subtitle outputs (MP4 + MKV):  median {soft:.3f} s  = {soft / one_burn:.3f} x one burned-in encode")


if __name__ == "__main__":
    main()
