"""Writing review pages: ``dist/review/<video>/`` holds ``index.html``, the video beside it, and
``review.json`` (what the page shows, for scripts and for the index); ``dist/review/index.html`` lists
every page.

The video is hard-linked from the source when ``dist/`` is on the same file system (instant, no extra
space, still a real file of the folder), copied otherwise. A source that browsers cannot play is remuxed
(H.264 in MOV/MKV) or turned into a small WebM proxy, through the one ffmpeg door. The page is written
last, so a page with its final name always has its video beside it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from pipeline import __version__
from pipeline.fsutil import atomic_path, atomic_write_text
from pipeline.media import proxy
from pipeline.media.probe import MediaInfo, probe_video
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.project import Project, Video
from pipeline.review_page.data import Findings, MediaFile, ReviewData, collect_findings, gather, page_languages
from pipeline.review_page.html import render_index, render_review

log = logging.getLogger(__name__)

REVIEW_DIR = "review"
PAGE = "index.html"
SUMMARY = "review.json"

#: ``(method, progress)``: ``progress`` is None when an encode starts, then ffmpeg's reports.
MediaProgress = Callable[[str, Progress | None], None]


@dataclass
class ReviewResult:
    """A written review page."""

    video: str
    page: Path
    data: ReviewData
    media_method: str  # as-is | remux | proxy
    media_reused: bool  # the video beside the page was already up to date


def review_root(project: Project) -> Path:
    return project.dist / REVIEW_DIR


def _read_summary(folder: Path) -> dict:
    try:
        return json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _link_or_copy(source: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or links not allowed: a copy does the same job
            shutil.copy2(source, tmp)


def prepare_media(
    video: Video, folder: Path, runner: FfmpegRunner, previous: dict | None = None,
    on_progress: MediaProgress | None = None,
) -> tuple[MediaFile, dict, bool]:
    """Put a browser-playable copy of the source in ``folder``.

    Returns the page's media file, the stamp that identifies it (kept in ``review.json``), and whether
    the file already there was reused.
    """
    info = probe_video(video.source, runner)
    plan = proxy.browser_media(info)
    name = f"{video.id}{plan.suffix}"
    target = folder / name
    stat = video.source.stat()
    stamp = {"name": name, "mime": plan.mime, "method": plan.method, "source": str(video.source),
             "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if target.is_file() and (previous == stamp or (plan.method == "as-is" and target.samefile(video.source))):
        return MediaFile(name, plan.mime), stamp, True
    if plan.method == "as-is":
        _link_or_copy(video.source, target)
        return MediaFile(name, plan.mime), stamp, False
    report = None
    if on_progress is not None:
        on_progress(plan.method, None)
        report = functools.partial(on_progress, plan.method)
    log.info("%s: %s for the review page", video.source, plan.method)
    with atomic_path(target) as tmp:
        runner.run(_browser_copy_argv(plan, info, tmp), total_seconds=info.duration, on_progress=report)
    return MediaFile(name, plan.mime), stamp, False


def _browser_copy_argv(plan: proxy.BrowserMedia, info: MediaInfo, output: Path) -> list[str]:
    if plan.method == "remux":
        return proxy.mp4_remux(info.path, output, has_audio=info.has_audio)
    return proxy.webm_proxy(info.path, output, has_audio=info.has_audio, height=proxy.proxy_height(info.height))


def _summary(data: ReviewData, media_stamp: dict) -> dict:
    return {
        "video": data.video_id,
        "title": data.title,
        "page": PAGE,
        "pipeline_version": __version__,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source_language": data.source_language,
        "languages": [
            {"language": v.language, "label": v.label, "source": v.is_source, "cues": len(v.rows),
             "draft": v.draft, "states": v.counts, "findings": v.findings_count, "attention": v.attention_count,
             "error": v.error}
            for v in data.languages
        ],
        "media": media_stamp,
    }


def build_review(
    project: Project, video_id: str, languages: Sequence[str] | None = None, *,
    runner: FfmpegRunner | None = None, findings: Findings | None = None, on_progress: MediaProgress | None = None,
) -> ReviewResult:
    """Write the review page of one video (``languages`` default: all its tracks) under ``dist/review/``.

    ``findings`` default: :func:`collect_findings` (the ``pipeline check`` results, when available).
    """
    runner = runner or FfmpegRunner()
    video = project.video(video_id)
    _source, wanted = page_languages(project, video_id, languages)
    if findings is None:
        findings = collect_findings(project, video_id, wanted)
    data = gather(project, video_id, languages, findings)
    folder = review_root(project) / video_id
    folder.mkdir(parents=True, exist_ok=True)
    previous = _read_summary(folder).get("media")
    media, stamp, reused = prepare_media(video, folder, runner, previous, on_progress)
    data.media = [media]
    atomic_write_text(folder / SUMMARY, json.dumps(_summary(data, stamp), indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(folder / PAGE, render_review(data))
    for leftover in (folder / f"{video_id}{s}" for s in (".mp4", ".webm")):
        if leftover.name != media.name and leftover.exists():
            leftover.unlink()  # a former media file (the source changed kind); only the pipeline writes here
    write_index(project)
    return ReviewResult(video_id, folder / PAGE, data, stamp["method"], reused)


def write_index(project: Project) -> Path:
    """Rewrite ``dist/review/index.html`` from the pages present."""
    root = review_root(project)
    pages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
        summary = _read_summary(folder)
        if summary and (folder / PAGE).is_file():
            pages.append(summary)
    path = root / PAGE
    atomic_write_text(path, render_index(pages))
    return path
