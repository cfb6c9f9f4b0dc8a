"""``dist/manifest.json``: one entry per finished output, what it is and what it was made from.

The build compares each job's ``inputs`` with its entry to rebuild only what changed, and updates the
manifest as each output is finished; the manifest only ever lists files that exist.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Iterable

from pipeline import __version__
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


def _save_manifest(dist: Path, outputs: Iterable[dict]) -> Path:
    data = {"pipeline_version": __version__, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "outputs": sorted(outputs, key=lambda e: e["path"])}
    path = dist / MANIFEST
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def update_manifest(dist: Path, add: Iterable[dict] = (), remove: Iterable[str] = ()) -> Path:
    """Add (or replace) entries by path and drop the paths in ``remove``; entries whose file is gone
    are dropped too, so the manifest only ever lists files that exist."""
    add = list(add)
    drop = set(remove) | {e["path"] for e in add}
    old = read_manifest(dist)
    kept = [e for e in old["outputs"] if isinstance(e, dict) and e.get("path") not in drop
            and (dist / str(e.get("path", ""))).is_file()]
    return _save_manifest(dist, kept + add)
