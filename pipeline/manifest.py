"""``dist/manifest.json``: one entry per finished output, what it is and what it was made from.

The build compares each job's ``inputs`` with its entry to rebuild only what changed, and updates the
manifest as each output is finished; the manifest only ever lists files that exist.

Beside the outputs: ``videos`` (each video's title, audio language and the names of its published
languages, in English and in themselves) and ``channels`` (which files go to which channel:
:mod:`pipeline.channels`), both kept in step with the outputs.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Iterable

from pipeline import __version__, languages
from pipeline.channels import channels
from pipeline.fsutil import atomic_write_text, sha256_file
from pipeline.media.runner import FfmpegRunner
from pipeline.outputs.base import RenderJob

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def manifest_entry(job: RenderJob, runner: FfmpegRunner, made: Path | None = None) -> dict:
    """The manifest entry of a job's output (read from ``made``, the finished file, default the output):
    the fields every output has, and its kind's facts (:meth:`~pipeline.outputs.base.OutputKind.describe`)."""
    made = made or job.output
    entry: dict = {
        "video": job.video,
        "kind": job.kind,
        "languages": list(job.languages),
        "draft": job.draft,
        "path": job.path,
    }
    if job.profile:
        entry["profile"] = job.profile
    facts = job.output_kind.describe(job, made, runner)
    duration = facts.pop("duration", None)
    entry.update(facts)
    entry.update({
        "size": made.stat().st_size,
        "sha256": sha256_file(made),
        "duration": duration,
        "inputs": dict(sorted(job.inputs.items())),
    })
    return entry


def read_manifest(dist: Path) -> dict:
    path = dist / MANIFEST
    if not path.is_file():
        return {"pipeline_version": __version__, "outputs": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("%s is not valid JSON; starting a new manifest", path)
        return {"pipeline_version": __version__, "outputs": []}
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), list):
        log.warning("%s is not a manifest; starting a new one", path)
        return {"pipeline_version": __version__, "outputs": []}
    return data


def video_facts(title: str, audio_language: str) -> dict:
    """What the manifest says about a video beside its outputs (its ``languages`` are added from them)."""
    return {"title": title, "audio_language": audio_language}


def _videos_section(outputs: list[dict], facts: dict[str, dict]) -> dict[str, dict]:
    """Per video with outputs: its facts and the names of its published languages."""
    section: dict[str, dict] = {}
    for entry in outputs:
        vid = entry.get("video")
        if not isinstance(vid, str):
            continue
        item = section.setdefault(vid, {**facts.get(vid, {}), "languages": {}})
        if entry.get("draft"):
            continue
        for code in entry.get("languages") or ():
            item["languages"][code] = {"name": languages.display_name(code), "own_name": languages.own_name(code)}
    for item in section.values():
        item["languages"] = dict(sorted(item["languages"].items()))
    return dict(sorted(section.items()))


def _save_manifest(dist: Path, outputs: Iterable[dict], videos: dict[str, dict]) -> Path:
    outputs = sorted(outputs, key=lambda e: e["path"])
    data = {"pipeline_version": __version__, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "videos": _videos_section(outputs, videos), "channels": channels(outputs), "outputs": outputs}
    path = dist / MANIFEST
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def update_manifest(dist: Path, add: Iterable[dict] = (), remove: Iterable[str] = (),
                    videos: dict[str, dict] | None = None) -> Path:
    """Add (or replace) entries by path and drop the paths in ``remove``; entries whose file is gone
    are dropped too, so the manifest only ever lists files that exist. ``videos``: :func:`video_facts` of
    the videos being built (the others keep what the manifest said)."""
    add = list(add)
    drop = set(remove) | {e["path"] for e in add}
    old = read_manifest(dist)
    kept = [e for e in old["outputs"] if isinstance(e, dict) and e.get("path") not in drop
            and (dist / str(e.get("path", ""))).is_file()]
    facts = {vid: {k: v for k, v in item.items() if k != "languages"}
             for vid, item in (old.get("videos") or {}).items() if isinstance(item, dict)}
    return _save_manifest(dist, kept + add, facts | (videos or {}))
