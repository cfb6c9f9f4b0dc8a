"""The project: found like git finds its repository, described by ``assets/catalog.toml``.

A project is a folder holding ``assets/catalog.toml`` and ``subtitles/``; ``dist/`` is created beside them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import languages
from pipeline.errors import CatalogError, ProjectNotFound, UsageError

CATALOG = Path("assets") / "catalog.toml"
VIDEO_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

#: Sections that tune behaviour; each may appear at project level, per video, and per language
#: inside them (e.g. ``[check.en]``). Their contents are validated by the module that owns them.
SETTINGS_SECTIONS = ("check", "style", "profiles", "draft", "render")

_PROJECT_KEYS = {"name", "human_languages", "source_language"} | set(SETTINGS_SECTIONS)
_VIDEO_KEYS = {"id", "title", "source", "audio_language", "languages", "poster_time"} | set(SETTINGS_SECTIONS)
#: Where a video's poster frame is taken when the catalog does not say (seconds): past a fade from black.
DEFAULT_POSTER_TIME = 1.0
_TOP_KEYS = {"project", "videos"} | set(SETTINGS_SECTIONS)


@dataclass(frozen=True)
class Video:
    """One catalog entry."""

    id: str
    title: str
    source: Path  # absolute
    audio_language: str
    settings: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    poster_time: float = DEFAULT_POSTER_TIME  # seconds into the video of its poster frame


@dataclass
class Project:
    root: Path
    name: str
    human_languages: tuple[str, ...]
    source_language: str
    videos: dict[str, Video]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    @property
    def subtitles(self) -> Path:
        return self.root / "subtitles"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG

    def video(self, video_id: str) -> Video:
        try:
            return self.videos[video_id]
        except KeyError:
            known = ", ".join(sorted(self.videos)) or "none"
            raise UsageError(f"no video {video_id!r} in {self.catalog_path}", hint=f"known videos: {known}") from None

    def track_dir(self, video_id: str) -> Path:
        return self.subtitles / video_id

    def track_path(self, video_id: str, language: str) -> Path:
        return self.track_dir(video_id) / f"{language}.srt"

    def track_languages(self, video_id: str) -> list[str]:
        """Languages with an SRT in ``subtitles/<video>/``, human languages first, then alphabetical."""
        folder = self.track_dir(video_id)
        found = sorted(p.stem for p in folder.glob("*.srt") if not p.name.startswith(".")) if folder.is_dir() else []
        order = {lang: i for i, lang in enumerate(self.human_languages)}
        return sorted(found, key=lambda lang: (order.get(lang, len(order)), lang))

    def setting(self, section: str, video_id: str | None = None, language: str | None = None) -> dict[str, Any]:
        """Merged settings for a section: project < project[lang] < video < video[lang]."""
        merged: dict[str, Any] = {}
        layers = [self.settings.get(section, {})]
        if video_id is not None and video_id in self.videos:
            layers.append(self.videos[video_id].settings.get(section, {}))
        for layer in layers:
            merged.update({k: v for k, v in layer.items() if not isinstance(v, dict) or not languages.is_known(k)})
            if language and isinstance(layer.get(language), dict):
                merged.update(layer[language])
        return merged


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``assets/catalog.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CATALOG).is_file():
            return folder
    raise ProjectNotFound(here)


def _line_of(text: str, needle: str, occurrence: int = 0) -> int | None:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            if count == occurrence:
                return number
            count += 1
    return None


def load_project(root: Path | None = None, *, explicit: bool = False) -> Project:
    """Load and validate the catalog of the project at or above ``root``.

    With ``explicit`` (``--project DIR``) the folder itself must hold the catalog.
    """
    if explicit and root is not None:
        root = Path(root).resolve()
        if not (root / CATALOG).is_file():
            raise UsageError(f"{root} is not a project: {CATALOG} is missing", hint="pass the folder that holds assets/")
    else:
        root = find_root(root)
    path = root / CATALOG
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(path, f"not valid TOML: {exc}", hint="fix the syntax") from None
    return parse_catalog(data, root, path, text)


def _check_keys(path: Path, where: str, table: dict, allowed: set[str], line: int | None) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogError(
            path, f"{where}: unknown key {unknown[0]!r}", line=line,
            hint=f"allowed keys: {', '.join(sorted(allowed))}",
        )


def _check_language(path: Path, where: str, code: Any, line: int | None) -> str:
    if not isinstance(code, str) or not languages.is_known(code):
        raise CatalogError(
            path, f"{where}: unknown language code {code!r}", line=line,
            hint="use a BCP-47 / ISO 639-1 code such as en, es, sq, pt-BR",
        )
    return languages.normalize(code)


def parse_catalog(data: dict, root: Path, path: Path, text: str = "") -> Project:
    """Validate a parsed catalog into a :class:`Project` (every problem is a :class:`CatalogError`)."""
    _check_keys(path, "catalog", data, _TOP_KEYS, None)
    proj = data.get("project", {})
    if not isinstance(proj, dict):
        raise CatalogError(path, "[project] must be a table")
    _check_keys(path, "[project]", proj, _PROJECT_KEYS, _line_of(text, "[project]"))
    human = proj.get("human_languages", ["en", "es"])
    if not isinstance(human, list) or not human:
        raise CatalogError(path, "[project] human_languages must be a list of language codes")
    human = tuple(_check_language(path, "[project] human_languages", c, _line_of(text, "human_languages")) for c in human)
    source_language = _check_language(path, "[project] source_language", proj.get("source_language", human[0]), None)

    settings = {s: proj.get(s, data.get(s, {})) for s in SETTINGS_SECTIONS}
    for s, v in settings.items():
        if not isinstance(v, dict):
            raise CatalogError(path, f"[{s}] must be a table")

    entries = data.get("videos", [])
    if not isinstance(entries, list):
        raise CatalogError(path, "videos must be an array of tables: write [[videos]]")
    videos: dict[str, Video] = {}
    for n, entry in enumerate(entries):
        line = _line_of(text, "[[videos]]", n)
        where = f"video #{n + 1}"
        if not isinstance(entry, dict):
            raise CatalogError(path, f"{where} must be a table", line=line)
        _check_keys(path, where, entry, _VIDEO_KEYS, line)
        for key in ("id", "source", "audio_language"):
            if key not in entry:
                raise CatalogError(path, f"{where}: missing required key {key!r}", line=line)
        vid = entry["id"]
        if not isinstance(vid, str) or not VIDEO_ID_RE.match(vid):
            raise CatalogError(
                path, f"{where}: id {vid!r} must use only a-z, 0-9 and '-' (not starting or ending with '-')",
                line=line, hint="ids name folders under subtitles/ and dist/",
            )
        where = f"video {vid!r}"
        if vid in videos:
            raise CatalogError(path, f"duplicate video id {vid!r}", line=line, hint="each id must be unique")
        source = entry["source"]
        if not isinstance(source, str) or not source:
            raise CatalogError(path, f"{where}: source must be a path relative to assets/", line=line)
        source_path = (root / "assets" / source).resolve()
        if not source_path.is_file():
            raise CatalogError(
                path, f"{where}: source file {source_path} does not exist", line=line,
                hint="fix the path (relative to assets/) or add the file",
            )
        audio = _check_language(path, f"{where} audio_language", entry["audio_language"], line)
        title = entry.get("title", vid)
        if not isinstance(title, str):
            raise CatalogError(path, f"{where}: title must be a string", line=line)
        poster_time = entry.get("poster_time", DEFAULT_POSTER_TIME)
        if isinstance(poster_time, bool) or not isinstance(poster_time, (int, float)) or poster_time < 0:
            raise CatalogError(path, f"{where}: poster_time must be seconds into the video (e.g. 12.5)", line=line)
        vsettings = {s: entry.get(s, {}) for s in SETTINGS_SECTIONS}
        for s, v in vsettings.items():
            if not isinstance(v, dict):
                raise CatalogError(path, f"{where}: {s} must be a table", line=line)
        videos[vid] = Video(vid, title, source_path, audio, vsettings, float(poster_time))
    return Project(root, proj.get("name", root.name), human, source_language, videos, settings)
