"""Registering videos: ``pipeline add``. Probes the file, appends a catalog entry (comments kept),
and extracts embedded text subtitle streams into tracks without overwriting any."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from pipeline import languages
from pipeline.errors import CatalogError, UsageError
from pipeline.fsutil import atomic_path, atomic_write_text
from pipeline.media import commands
from pipeline.media.probe import probe_video
from pipeline.media.runner import FfmpegRunner
from pipeline.project import VIDEO_ID_RE, Project, load_project

log = logging.getLogger(__name__)

TEXT_SUBTITLE_CODECS = {"subrip", "srt", "mov_text", "ass", "ssa", "webvtt", "text"}


@dataclass
class AddResult:
    video_id: str
    source: Path
    extracted: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # tracks that already existed and were left alone
    skipped: list[str] = field(default_factory=list)  # streams not extracted, with the reason


def add_video(
    project: Project, file: Path, video_id: str, audio_language: str, title: str | None = None,
    runner: FfmpegRunner | None = None,
) -> AddResult:
    """Register ``file`` as video ``video_id``; copy it under ``assets/videos/`` when it lives elsewhere."""
    runner = runner or FfmpegRunner()
    if not VIDEO_ID_RE.match(video_id):
        raise UsageError(f"video id {video_id!r} must use only a-z, 0-9 and '-'", hint="e.g. --id chapter-2")
    if video_id in project.videos:
        raise UsageError(f"video id {video_id!r} is already in the catalog", hint="choose another --id")
    if not languages.is_known(audio_language):
        raise UsageError(f"unknown language code {audio_language!r}", hint="use a BCP-47 code such as en, es, sq")
    file = Path(file).resolve()
    info = probe_video(file, runner)  # refuses anything that is not a playable video
    assets = project.assets.resolve()
    copied: Path | None = None  # the copy this call made, removed again if the catalog refuses the entry
    if assets in file.parents:
        source = file
    else:
        source = assets / "videos" / f"{video_id}{file.suffix.lower()}"
        if source.exists():
            raise UsageError(f"{source} already exists", hint="remove it or choose another --id")
        with atomic_path(source) as tmp:
            shutil.copyfile(file, tmp)
        copied = source
    entry = {"id": video_id, "title": title or video_id, "source": source.relative_to(assets).as_posix(),
             "audio_language": languages.normalize(audio_language)}
    catalog = project.catalog_path
    text = catalog.read_text(encoding="utf-8")
    # Written as a [[videos]] table by hand: tomli_w lays a short array of tables out inline
    # (`videos = [{...}]`), which after the catalog's last [[videos]] table would become a key inside it.
    block = "[[videos]]\n" + tomli_w.dumps(entry)
    atomic_write_text(catalog, text.rstrip("\n") + "\n\n" + block)
    try:
        load_project(project.root, explicit=True)
    except CatalogError:
        atomic_write_text(catalog, text)  # never leave a catalog we cannot read
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    result = AddResult(video_id, source)
    for stream in info.of_kind("subtitle"):
        if stream.codec not in TEXT_SUBTITLE_CODECS:
            result.skipped.append(f"stream {stream.index} ({stream.codec}): image-based subtitles cannot be extracted as text")
            continue
        lang = languages.from_iso639_2(stream.language or "")
        if lang is None:
            result.skipped.append(f"stream {stream.index}: no language tag; extract it by hand with ffmpeg -map 0:{stream.index}")
            continue
        target = project.track_path(video_id, lang)
        if target in result.extracted:
            result.skipped.append(f"stream {stream.index}: a second {lang} track; extract it by hand with ffmpeg -map 0:{stream.index}")
            continue
        if target.exists():
            result.kept.append(target)
            continue
        with atomic_path(target) as tmp:
            runner.run(commands.extract_subtitle(file, stream.index, tmp))
        result.extracted.append(target)
    return result
