#!/usr/bin/env python3
"""Edit-loop benchmark (issue 16): what one fixed cue costs with segment-encoded burned-in outputs.

A generated 60 s 1080p30 video with two languages (English, Spanish), built side by side with segments
(the default, ``[render] segment_seconds = 4``) and in one piece per output (``segment_seconds = 0``,
"plain"), each under two memory budgets:
  * the default ``memory_mib`` (600): at 1080p with two jobs at once, one process may encode only one output,
    so each language's process decodes the source itself (segmented and plain alike);
  * a budget large enough for decode-once ("once": one process decodes the source for both languages; the
    plain project is then the pipeline before segments and its memory cap).
Each round, the projects one after the other (the order rotates by round, so a change of load weighs on all):
  * a full build of each (``pipeline build --force``);
  * one cue's text changed in Spanish (a cue inside one segment), then ``pipeline build`` of the default
    projects: the segmented one encodes one segment, the plain one re-encodes the whole Spanish output.
Printed (medians; wall time, and CPU time = user + sys of the whole process tree; ratios paired by round):
  * edit build / full re-encode of that language (the plain project's edit build)   target <= 0.10
  * segmented full build / plain full build, under each budget                       target <= 1.03
  * PSNR of the joined Spanish output against the plain encode of the same text (every frame)
  * a cue spanning a segment boundary, for reference (two segments)

    .venv/bin/python bench/edit_loop.py [--rounds 3] [--seconds 60] [--size 1920x1080] [--rate 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import Run, bench_env, measure, pipeline_cli  # noqa: E402

WORDS = {
    "en": ["Survivors deserve to be heard.", "Support services make a difference.", "Help is available.",
           "Every report is taken seriously.", "You are not alone."],
    "es": ["Las personas sobrevivientes merecen ser escuchadas.", "Los servicios de apoyo marcan la diferencia.",
           "Hay ayuda disponible.", "Cada denuncia se toma en serio.", "No estás sola ni solo."],
}
CUE_SECONDS = 3.0


def ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def cues(lang: str, seconds: float, edit: dict[int, str] | None = None) -> str:
    """A cue every 3 s (2.6 s on screen): with 4 s segments some fall inside one segment, some span two."""
    out = []
    for n in range(int(seconds // CUE_SECONDS)):
        start, end = n * CUE_SECONDS + 0.2, n * CUE_SECONDS + 2.8
        text = (edit or {}).get(n + 1) or WORDS[lang][n % len(WORDS[lang])]
        out.append(f"{n + 1}\n{ts(start)} --> {ts(end)}\n{text}\n")
    return "\n".join(out)


#: name -> [render] settings. "plain once" is the pipeline before segments: each output in one piece, every
#: output of the video from one decode, no memory cap.
PROJECTS = {"segmented": "segment_seconds = 4", "plain": "segment_seconds = 0",
            "segmented once": "segment_seconds = 4\nmemory_mib = 100000",
            "plain once": "segment_seconds = 0\nmemory_mib = 100000"}


def make_projects(tmp: Path, seconds: float, size: str, rate: int) -> dict[str, Path]:
    source = tmp / "source.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-shortest", str(source)], check=True)
    projects = {}
    for name, render in PROJECTS.items():
        root = tmp / name.replace(" ", "-")
        (root / "assets").mkdir(parents=True)
        os.link(source, root / "assets/video.mp4")
        for lang in WORDS:
            path = root / "subtitles/video" / f"{lang}.srt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(cues(lang, seconds), encoding="utf-8")
        (root / "assets/catalog.toml").write_text(
            f'[project]\nname = "edit loop"\nhuman_languages = ["en", "es"]\n\n[render]\n'
            f'{render}\n\n[[videos]]\nid = "video"\nsource = "video.mp4"\n'
            'audio_language = "en"\n', encoding="utf-8")
        projects[name] = root
    return projects


def edit(root: Path, seconds: float, changes: dict[int, str]) -> None:
    (root / "subtitles/video/es.srt").write_text(cues("es", seconds, changes), encoding="utf-8")


def psnr(a: Path, b: Path) -> tuple[float, float]:
    err = subprocess.run(["ffmpeg", "-v", "info", "-i", str(a), "-i", str(b), "-lavfi", "psnr", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    line = next(ln for ln in err.splitlines() if "PSNR" in ln)
    average = float(line.split("average:")[1].split()[0])
    lowest = float(line.split(" min:")[1].split()[0])
    return average, lowest


def segments_encoded(root: Path) -> str:
    manifest = json.loads((root / "dist/manifest.json").read_text())
    entry = next(e for e in manifest["outputs"] if e["path"] == "video/video.es.burned-in.mp4")
    return "; ".join(f"{', '.join(map(str, v))} ({k})" for k, v in entry["segments"]["encoded"].items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--rate", type=int, default=30)
    args = parser.parse_args()
    env = bench_env(REPO)
    with tempfile.TemporaryDirectory(prefix="bench-edit-") as tmp:
        projects = make_projects(Path(tmp), args.seconds, args.size, args.rate)
        segmented, plain = projects["segmented"], projects["plain"]
        full: dict[str, list[Run]] = {name: [] for name in projects}
        edits: dict[str, list[Run]] = {"segmented": [], "plain": []}
        spans: list[Run] = []
        # Cue n is on screen from 3(n-1)+0.2 to 3(n-1)+2.8 s; segments are 4 s. Cue 3 (6.2-8.8 s) spans the
        # boundary at 8 s; cue 2 (3.2-5.8 s) spans 4 s; cue 5 (12.2-14.8 s) lies inside segment 3 (12-16 s).
        inside, spanning = 5, 3
        # Edits accumulate: reverting an earlier round's edit would encode its segments again too (their old
        # files were swept), and the edit build would measure more than one cue.
        changes: dict[int, str] = {}
        measure(pipeline_cli(segmented, "status"), env=env)  # fills the bytecode cache: no round pays for it
        names = list(projects)
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # rotates: load changes weigh on all
            for name in order:
                full[name].append(measure(pipeline_cli(projects[name], "build", "--force"), env=env))
            changes[inside] = f"Hay ayuda disponible, siempre ({r + 1})."
            for name in [n for n in order if n in edits]:
                edit(projects[name], args.seconds, changes)
                edits[name].append(measure(pipeline_cli(projects[name], "build"), env=env))
            what = segments_encoded(segmented)
            changes[spanning] = f"Hay ayuda, también hoy ({r + 1})."
            edit(segmented, args.seconds, changes)
            spans.append(measure(pipeline_cli(segmented, "build"), env=env))
            span_what = segments_encoded(segmented)
            print(f"round {r + 1} (wall s / CPU s): full " + ", ".join(f"{n} {full[n][-1].wall:.1f} / {full[n][-1].cpu:.1f}"
                                                                       for n in names)
                  + f"; edit segmented {edits['segmented'][-1].wall:.1f} / {edits['segmented'][-1].cpu:.1f}, plain "
                  f"{edits['plain'][-1].wall:.1f} / {edits['plain'][-1].cpu:.1f}; across a boundary "
                  f"{spans[-1].wall:.1f} / {spans[-1].cpu:.1f}; encoded {what} / {span_what}; load "
                  f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            edit(plain, args.seconds, changes)
            measure(pipeline_cli(plain, "build"), env=env)  # the same text in both, for the PSNR
        average, lowest = psnr(segmented / "dist/video/video.es.burned-in.mp4", plain / "dist/video/video.es.burned-in.mp4")

    med = lambda runs, attr: statistics.median(getattr(x, attr) for x in runs)  # noqa: E731
    paired = lambda a, b, attr: statistics.median(getattr(x, attr) / getattr(y, attr) for x, y in zip(a, b))  # noqa: E731
    print(f"\n{args.seconds:g} s of {args.size} at {args.rate} fps, English + Spanish; {args.rounds} rounds, medians; "
          f"{os.cpu_count()} cores; CPU = user + sys of the whole process tree (pipeline build CLI)")
    print(f"{'':56s} {'wall s':>8s} {'CPU s':>8s} {'peak MiB':>9s}")
    rows = [("full build, segmented", full["segmented"]),
            ("full build, plain (one piece per output)", full["plain"]),
            ("full build, segmented, decode once (memory_mib raised)", full["segmented once"]),
            ("full build, plain, decode once (before segments)", full["plain once"]),
            ("edit build, segmented (one cue, es)", edits["segmented"]),
            ("edit build, plain (re-encodes es)", edits["plain"]),
            ("edit build, segmented, cue across a boundary", spans)]
    for label, runs in rows:
        print(f"{label:56s} {med(runs, 'wall'):8.2f} {med(runs, 'cpu'):8.2f} {med(runs, 'peak_mib'):9.0f}")
    for label, a, b, target in (
            ("edit build / full re-encode of that language", edits["segmented"], edits["plain"], 0.10),
            ("  (cue across a boundary)", spans, edits["plain"], None),
            ("segmented / plain full build, default memory", full["segmented"], full["plain"], 1.03),
            ("segmented / plain full build, both decode once", full["segmented once"], full["plain once"], 1.03),
            ("  (default segmented / plain decode once)", full["segmented"], full["plain once"], None)):
        verdict = "" if target is None else \
            f"  target <= {target}: {'met' if paired(a, b, 'cpu') <= target else 'MISSED'} (CPU)"
        print(f"{label:56s} wall {paired(a, b, 'wall'):.3f}  CPU {paired(a, b, 'cpu'):.3f}{verdict}")
    print(f"segments encoded by the last edits: {what} / across a boundary: {span_what}")
    print(f"PSNR of the joined es output vs the plain encode: average {average:.2f} dB, lowest frame {lowest:.2f} dB")


if __name__ == "__main__":
    main()
