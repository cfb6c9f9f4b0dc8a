"""The project: found like git finds its repository, described by ``assets/catalog.toml``.

A project is a folder holding ``assets/catalog.toml`` and ``subtitles/``; ``dist/`` is created beside them.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import languages
from pipeline.errors import CatalogError, CatalogErrors, ProjectNotFound, UsageError

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

    def _srt_files(self, video_id: str) -> list[Path]:
        folder = self.track_dir(video_id)
        return sorted(p for p in folder.glob("*.srt") if not p.name.startswith(".")) if folder.is_dir() else []

    def track_languages(self, video_id: str) -> list[str]:
        """Languages with a track in ``subtitles/<video>/``, human languages first, then alphabetical.

        A track's file is named by a canonical language tag (``es.srt``, ``pt-BR.srt``); any other ``.srt``
        there (``es-old.srt``, ``EN.srt``, ``es (copy).srt``) is not a track (see :meth:`not_tracks`).
        """
        found = [p.stem for p in self._srt_files(video_id) if languages.is_track_tag(p.stem)]
        order = {lang: i for i, lang in enumerate(self.human_languages)}
        return sorted(found, key=lambda lang: (order.get(lang, len(order)), lang))

    def not_tracks(self, video_id: str) -> list[tuple[Path, str | None]]:
        """``.srt`` files in ``subtitles/<video>/`` that are not tracks because their name is not a canonical
        language tag, each with the name it would have as a track when that is clear (``EN.srt`` → ``en``)."""
        out = []
        for path in self._srt_files(video_id):
            if languages.is_track_tag(path.stem):
                continue
            suggestion = None
            if languages.is_known(path.stem):
                with contextlib.suppress(Exception):
                    canonical = languages.normalize(path.stem)
                    suggestion = canonical if languages.is_track_tag(canonical) else None
            out.append((path, suggestion))
        return out

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


def not_track_message(path: Path, suggestion: str | None) -> str:
    """The one line that says a file in ``subtitles/<video>/`` is not a track (see :meth:`Project.not_tracks`)."""
    return f"not a track: {path.name} (rename it to {suggestion or 'LANG'}.srt to use it)"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``assets/catalog.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CATALOG).is_file():
            return folder
    raise ProjectNotFound(here)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART = r'(?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_KEY_PART})\s*=")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in re.findall(rf"{_KEY_PART}", dotted))


class CatalogLines:
    """Where each table and key of a catalog is written: ``line(("videos", 0, "check", "es"), "max_cps")``.

    Tables are named by their path; ``[[videos]]`` entries by their position. Read from the text (TOML parsers
    keep no line numbers); a key not found falls back to the line of its table, or of the nearest parent.
    """

    def __init__(self, text: str):
        self.tables: dict[tuple, int] = {}
        self.keys: dict[tuple[tuple, str], int] = {}
        current: tuple = ()
        videos = -1
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                parts = _key_parts(header.group(2))
                if header.group(1) == "[[" and parts == ("videos",):
                    videos += 1
                    current = ("videos", videos)
                elif parts[:1] == ("videos",) and videos >= 0:
                    current = ("videos", videos, *parts[1:])
                else:
                    current = parts
                self.tables.setdefault(current, number)
                continue
            key = _KEY.match(line)
            if not key:
                continue
            parts = _key_parts(key.group(1))
            table = current + parts[:-1]
            self.keys.setdefault((table, parts[-1]), number)
            self.tables.setdefault(table, number)
            rest = line[key.end():]
            if rest.lstrip().startswith("{"):  # an inline table: severity = { cps = "error" }
                for inner in _INLINE_KEY.finditer(rest):
                    self.keys.setdefault((table + (parts[-1],), inner.group(1).strip("\"'")), number)
                self.tables.setdefault(table + (parts[-1],), number)

    def line(self, table: tuple, key: str | None = None) -> int | None:
        if key is not None and (table, key) in self.keys:
            return self.keys[(table, key)]
        if len(table) and (table[:-1], table[-1]) in self.keys:  # the table is a key's value
            return self.keys[(table[:-1], table[-1])]
        while table:
            if table in self.tables:
                return self.tables[table]
            table = table[:-1]
        return None


def read_catalog_text(path: Path) -> str:
    """The catalog's text; one clear error (with the line) when it is not UTF-8 or not a regular file."""
    from pipeline.errors import NotRegularFileError
    from pipeline.fsutil import open_regular

    try:
        with open_regular(path) as fh:
            data = fh.read()
    except NotRegularFileError as exc:
        raise CatalogError(path, f"is {exc.kind}, not a regular file", hint="assets/catalog.toml must be a file") from None
    except OSError as exc:
        raise CatalogError(path, f"cannot read it: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        begin = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        shown = data[begin: end if end >= 0 else len(data)].decode("utf-8", "replace").strip()[:60]
        raise CatalogError(path, f"not UTF-8: byte 0x{data[exc.start]:02x} in {shown!r}", line=line,
                           hint="save the catalog as UTF-8 (TOML files are always UTF-8)") from None


def load_project(root: Path | None = None, *, explicit: bool = False) -> Project:
    """Load and validate the catalog of the project at or above ``root``.

    With ``explicit`` (``--project DIR``) the folder itself must hold the catalog. Every problem found is
    reported at once (:class:`CatalogErrors`), each with its ``catalog.toml:LINE``.
    """
    if explicit and root is not None:
        root = Path(root).resolve()
        if not (root / CATALOG).is_file():
            raise UsageError(f"{root} is not a project: {CATALOG} is missing", hint="pass the folder that holds assets/")
    else:
        root = find_root(root)
    path = root / CATALOG
    text = read_catalog_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        raise CatalogError(path, f"not valid TOML: {exc}", hint="fix the syntax",
                           line=int(at.group(1)) if at else None) from None
    return parse_catalog(data, root, path, text)


class _Problems:
    """Catalog errors collected while reading, raised together at the end."""

    def __init__(self, path: Path, lines: CatalogLines):
        self.path, self.lines, self.errors = path, lines, []

    def add(self, problem: str, table: tuple = (), key: str | None = None, hint: str | None = None) -> None:
        self.errors.append(CatalogError(self.path, problem, hint=hint, line=self.lines.line(table, key)))

    def raise_any(self) -> None:
        if not self.errors:
            return
        unique = list({str(e): e for e in self.errors}.values())
        unique.sort(key=lambda e: e.line or 0)
        raise unique[0] if len(unique) == 1 else CatalogErrors(unique)


def _check_keys(problems: _Problems, where: str, table: dict, allowed: set[str], at: tuple) -> None:
    for key in sorted(set(table) - allowed):
        problems.add(f"{where}: unknown key {key!r}", at, key, hint=f"allowed keys: {', '.join(sorted(allowed))}")


def _check_language(problems: _Problems, where: str, code: Any, at: tuple, key: str) -> str | None:
    if not isinstance(code, str) or not languages.is_known(code):
        problems.add(f"{where}: unknown language code {code!r}", at, key,
                     hint="use a BCP-47 / ISO 639-1 code such as en, es, sq, pt-BR")
        return None
    return languages.normalize(code)


def _table_name(at: tuple, section: str, sub: tuple) -> str:
    """``[check.es]``, ``[videos.check]`` (in video 'talk'), ``[profiles.vertical]``."""
    return "[" + ".".join((("videos",) if at[:1] == ("videos",) else ()) + (section,) + sub) + "]"


def _check_settings(problems: _Problems, section: str, table: dict, at: tuple, video: str | None = None,
                    inherited: dict | None = None) -> None:
    """Validate one settings table (project level, or a video's) with its sub-tables."""
    if not table:
        return  # nothing to check (and the module with the rules need not be imported)
    from pipeline.catalog_settings import table_problems

    kwargs = {"inherited": inherited} if section == "profiles" else {}
    for sub, (key, problem, hint) in table_problems(section, table, **kwargs):
        name = _table_name(at, section, sub) + (f" of video {video!r}" if video else "")
        problems.add(f"{name}: {problem}", at + (section, *sub), key, hint)


def parse_catalog(data: dict, root: Path, path: Path, text: str = "") -> Project:
    """Validate a parsed catalog into a :class:`Project`. Every problem found is a :class:`CatalogError` with its
    line; several are raised together as :class:`CatalogErrors`."""
    problems = _Problems(path, CatalogLines(text))
    _check_keys(problems, "catalog", data, _TOP_KEYS, ())
    proj = data.get("project", {})
    if not isinstance(proj, dict):
        problems.add("[project] must be a table", (), "project")
        proj = {}
    _check_keys(problems, "[project]", proj, _PROJECT_KEYS, ("project",))
    human_raw = proj.get("human_languages", ["en", "es"])
    human: tuple[str, ...] = ("en", "es")
    if not isinstance(human_raw, list) or not human_raw:
        problems.add("[project] human_languages must be a list of language codes", ("project",), "human_languages")
    else:
        codes = [_check_language(problems, "[project] human_languages", c, ("project",), "human_languages")
                 for c in human_raw]
        human = tuple(c for c in codes if c) or human
    source_language = _check_language(problems, "[project] source_language", proj.get("source_language", human[0]),
                                      ("project",), "source_language") or human[0]

    settings: dict[str, dict[str, Any]] = {}
    for s in SETTINGS_SECTIONS:
        at = ("project",) if s in proj else ()
        if s in proj and s in data:
            problems.add(f"[{s}] and [project.{s}] are both given: [{s}] would be ignored", (), s,
                         hint="keep one of them")
        value = proj.get(s, data.get(s, {}))
        if not isinstance(value, dict):
            problems.add(f"[{s}] must be a table", at, s)
            value = {}
        settings[s] = value
        _check_settings(problems, s, value, at)

    entries = data.get("videos", [])
    if not isinstance(entries, list):
        problems.add("videos must be an array of tables: write [[videos]]", (), "videos")
        entries = []
    videos: dict[str, Video] = {}
    for n, entry in enumerate(entries):
        at = ("videos", n)
        video = _parse_video(problems, entry, n, root, videos)
        if video is None:
            continue
        videos[video.id] = video
        for s in SETTINGS_SECTIONS:
            if isinstance(video.settings.get(s), dict):
                _check_settings(problems, s, video.settings[s], at, video.id, settings["profiles"])
    problems.raise_any()
    return Project(root, proj.get("name", root.name), human, source_language, videos, settings)


def _parse_video(problems: _Problems, entry: Any, n: int, root: Path, videos: dict[str, Video]) -> Video | None:
    """One ``[[videos]]`` entry, or None when it is too broken to use (its problems are recorded)."""
    at = ("videos", n)
    where = f"video #{n + 1}"
    if not isinstance(entry, dict):
        problems.add(f"{where} must be a table", at)
        return None
    count = len(problems.errors)
    _check_keys(problems, where, entry, _VIDEO_KEYS, at)
    for key in ("id", "source", "audio_language"):
        if key not in entry:
            problems.add(f"{where}: missing required key {key!r}", at)
    if any(key not in entry for key in ("id", "source", "audio_language")):
        return None
    vid = entry["id"]
    if not isinstance(vid, str) or not VIDEO_ID_RE.match(vid):
        problems.add(f"{where}: id {vid!r} must use only a-z, 0-9 and '-' (not starting or ending with '-')",
                     at, "id", hint="ids name folders under subtitles/ and dist/")
        return None
    where = f"video {vid!r}"
    if vid in videos:
        problems.add(f"duplicate video id {vid!r}", at, "id", hint="each id must be unique")
        return None
    source = entry["source"]
    source_path = None
    if not isinstance(source, str) or not source:
        problems.add(f"{where}: source must be a path relative to assets/", at, "source")
    else:
        source_path = (root / "assets" / source).resolve()
        if not source_path.is_file():
            problems.add(f"{where}: source file {source_path} does not exist", at, "source",
                         hint="fix the path (relative to assets/) or add the file")
    audio = _check_language(problems, f"{where} audio_language", entry["audio_language"], at, "audio_language")
    title = entry.get("title", vid)
    if not isinstance(title, str):
        problems.add(f"{where}: title must be a string", at, "title")
    poster_time = entry.get("poster_time", DEFAULT_POSTER_TIME)
    if isinstance(poster_time, bool) or not isinstance(poster_time, (int, float)) or poster_time < 0:
        problems.add(f"{where}: poster_time must be seconds into the video (e.g. 12.5)", at, "poster_time")
        poster_time = DEFAULT_POSTER_TIME
    vsettings = {s: entry.get(s, {}) for s in SETTINGS_SECTIONS}
    for s, v in vsettings.items():
        if not isinstance(v, dict):
            problems.add(f"{where}: {s} must be a table", at, s)
            vsettings[s] = {}
    if len(problems.errors) > count or source_path is None or audio is None:
        return None
    return Video(vid, title, source_path, audio, vsettings, float(poster_time))
