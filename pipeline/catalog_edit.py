"""Starting a project and registering videos: ``pipeline init`` writes a catalog and the folders;
``pipeline add`` probes a file, appends a catalog entry (comments kept), creates the video's track folder
and extracts embedded text subtitle streams into tracks without overwriting any."""

from __future__ import annotations

import logging
import os
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
from pipeline.project import CATALOG, VIDEO_ID_RE, Project, load_project

log = logging.getLogger(__name__)

TEXT_SUBTITLE_CODECS = {"subrip", "srt", "mov_text", "ass", "ssa", "webvtt", "text"}


GITIGNORE_LINE = "dist/"


@dataclass
class InitResult:
    root: Path
    catalog: Path
    created: list[Path] = field(default_factory=list)  # folders and files made (the catalog first)
    gitignore: Path | None = None  # the .gitignore written or extended (None: it already ignored dist/)


def catalog_text(name: str, human_languages: list[str]) -> str:
    """A new project's catalog: the ``[project]`` table, and how videos are added (as comments)."""
    values = tomli_w.dumps({"name": name, "source_language": human_languages[0]}).splitlines()
    listed = ", ".join(tomli_w.dumps({"x": code}).split("=", 1)[1].strip() for code in human_languages)
    project = "\n".join(["[project]", values[0], f"human_languages = [{listed}]", values[1]]) + "\n"
    return (
        "# The project's catalog: its videos and settings (docs/project.md).\n"
        "# human_languages: the languages people write (and check for parity); others are machine-drafted and\n"
        "# published only once a person approved them. source_language: what drafts are translated from.\n"
        f"{project}\n"
        "# Videos are added with `pipeline add FILE --id ID --audio-language LANG`, which writes:\n"
        "# [[videos]]\n"
        "# id = \"talk\"                   # names subtitles/talk/ and dist/talk/\n"
        "# title = \"The talk\"\n"
        "# source = \"videos/talk.mp4\"    # relative to assets/\n"
        "# audio_language = \"en\"\n"
    )


def init_project(root: Path, name: str | None = None, human_languages: list[str] | None = None) -> InitResult:
    """Start a project in ``root``: ``assets/catalog.toml`` with ``[project]``, ``assets/videos/``,
    ``assets/glossary/``, ``subtitles/``, and ``dist/`` in ``.gitignore``. Refuses a folder that already
    holds a catalog (nothing is overwritten)."""
    root = Path(root).resolve()
    catalog = root / CATALOG
    if catalog.exists():
        raise UsageError(f"{root} is already a project ({CATALOG} exists)",
                         hint="add videos with pipeline add, or choose another folder")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is not a folder", hint="give a folder to start the project in")
    codes = list(human_languages or ["en", "es"])
    for code in codes:
        if not languages.is_known(code):
            raise UsageError(f"unknown language code {code!r}", hint="use BCP-47 codes such as en, es, sq")
    langs = list(dict.fromkeys(languages.normalize(c) for c in codes))
    result = InitResult(root, catalog)
    for folder in (root / "assets" / "videos", root / "assets" / "glossary", root / "subtitles"):
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            result.created.append(folder)
    atomic_write_text(catalog, catalog_text(name or root.name, langs))
    result.created.insert(0, catalog)
    load_project(root, explicit=True)  # what it wrote must read back
    ignore = root / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    if not any(line.strip().strip("/") == "dist" for line in lines):
        text = ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
        comment = "# everything the pipeline renders: rebuilt by `pipeline build`, never edited by hand\n"
        atomic_write_text(ignore, (text.rstrip("\n") + "\n\n" if text.strip() else "") + comment + GITIGNORE_LINE + "\n")
        result.gitignore = ignore
    return result


@dataclass
class AddResult:
    video_id: str
    source: Path
    extracted: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # tracks that already existed and were left alone
    skipped: list[str] = field(default_factory=list)  # streams not extracted, with the reason
    how: str = "in place"  # "copied" (into assets/videos/), "linked" (--link: left where it is), "in place"
    size: int = 0  # bytes of the video file
    tracks: Path | None = None  # subtitles/<id>/, where the video's tracks go


def add_video(
    project: Project, file: Path, video_id: str, audio_language: str, title: str | None = None,
    runner: FfmpegRunner | None = None, *, link: bool = False,
) -> AddResult:
    """Register ``file`` as video ``video_id``: copy it under ``assets/videos/`` when it lives elsewhere
    (``link``: leave it where it is and point the catalog at it), and create ``subtitles/<id>/``."""
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
    how = "in place"
    if assets in file.parents:
        source = file
    elif link:
        source, how = file, "linked"
    else:
        source = assets / "videos" / f"{video_id}{file.suffix.lower()}"
        if source.exists():
            raise UsageError(f"{source} already exists", hint="remove it or choose another --id")
        with atomic_path(source) as tmp:
            shutil.copyfile(file, tmp)
        copied, how = source, "copied"
    entry = {"id": video_id, "title": title or video_id, "source": _catalog_source(source, project),
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
    result = AddResult(video_id, source, how=how, size=source.stat().st_size)
    result.tracks = project.track_dir(video_id)
    result.tracks.mkdir(parents=True, exist_ok=True)
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


def _catalog_source(source: Path, project: Project) -> str:
    """How the catalog names a video file: relative to ``assets/`` when it is inside the project (the
    project can move), its absolute path when it lives elsewhere (``--link``)."""
    root = project.root.resolve()
    if source == root or root in source.parents:
        return Path(os.path.relpath(source, project.assets.resolve())).as_posix()
    return source.as_posix()
