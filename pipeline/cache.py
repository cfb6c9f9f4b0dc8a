"""What a build remembers between runs to decide quickly: content hashes and facts about media files.

``dist/.work/cache.json`` maps each hashed file to ``(size, mtime_ns, inode) -> sha256``, like git's index:
a file whose size, time and inode are unchanged is not read again. Decisions are still made on the
content hashes (a touched but unchanged file hashes the same and rebuilds nothing).

What ffprobe says about a source (its streams, its frames) depends on its content alone, so it is kept by
content hash outside ``dist/``, in the user's cache folder (:func:`media_cache_dir`): deleting ``dist/``
(or a second checkout of the project) does not probe the sources again. Both are only accelerators:
deleting them costs one re-read.
"""

from __future__ import annotations

import json
import logging
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.fsutil import atomic_write_text, sha256_file
from pipeline.media.probe import FrameFacts, MediaInfo, StreamInfo, frame_facts, probe_video

if TYPE_CHECKING:  # `check` and `status` read probe results here without loading the font machinery
    from pipeline.fonts import FontChoice, FontFacts
    from pipeline.media.runner import FfmpegRunner

log = logging.getLogger(__name__)

CACHE_VERSION = 1
#: dist/.work: what builds keep between runs (the cache, intermediate files); never published.
WORK = ".work"


def project_cache(dist: Path) -> "WorkCache":
    """The build's cache of a project whose outputs go to ``dist``."""
    return WorkCache(dist / WORK / "cache.json")


#: Bump when what is stored per media file changes shape.
MEDIA_FACTS_VERSION = 1


def media_cache_dir() -> Path:
    """Where facts about media files are kept by content hash: ``$PIPELINE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/pipeline``, else ``~/.cache/pipeline``."""
    explicit = os.environ.get("PIPELINE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pipeline"


class MediaFacts:
    """Facts about media files by content hash, one small JSON file each (``media/<sha256>.json``).

    A fact is written once and never changes (the content it describes cannot); a folder that cannot be
    written only costs probing again.
    """

    def __init__(self, folder: Path | None = None, *, read_only: bool = False):
        self.folder = (folder or media_cache_dir()) / "media"
        self.read_only = read_only  # a dry run writes nothing anywhere

    def _path(self, digest: str) -> Path:
        return self.folder / f"{digest}.json"

    def get(self, digest: str, kind: str) -> dict | None:
        try:
            data = json.loads(self._path(digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != MEDIA_FACTS_VERSION:
            return None
        value = data.get(kind)
        return value if isinstance(value, dict) else None

    def put(self, digest: str, kind: str, value: dict) -> None:
        if self.read_only:
            return
        path = self._path(digest)
        try:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or data.get("version") != MEDIA_FACTS_VERSION:
                    data = {}
            except (OSError, ValueError):
                data = {}
            data.update({"version": MEDIA_FACTS_VERSION, kind: value})
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(data, sort_keys=True) + "\n")
        except OSError as exc:
            log.info("cannot keep media facts in %s (%s)", path.parent, exc)


class WorkCache:
    """File hashes and probe results, loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None, media: MediaFacts | None = None):
        self.path = path
        self.media = media or MediaFacts()
        self._hashes: dict[str, list] = {}
        self._probes: dict[str, MediaInfo] = {}
        self._frames: dict[str, FrameFacts] = {}
        self._fonts: dict[str, dict] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == CACHE_VERSION:
                    self._hashes = data.get("hashes", {})
                    self._fonts = data.get("fonts", {})
            except (OSError, ValueError, AttributeError):
                log.info("ignoring unreadable cache %s", path)

    def file_hash(self, path: Path) -> str:
        """sha256 of a file's content (read again only when its size, time or inode changed)."""
        path = Path(path)
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self._hashes.get(key)
        if known and known[:3] == stamp:
            return known[3]
        digest = sha256_file(path)
        self._hashes[key] = stamp + [digest]
        self._dirty = True
        return digest

    def probe(self, path: Path, runner: FfmpegRunner | None = None) -> MediaInfo:
        """:func:`probe_video` of a source, remembered by content hash."""
        return self._remembered(path, "probe", self._probes, lambda known: _media_info(Path(path), known),
                                lambda: probe_video(path, runner))

    def frames(self, path: Path, runner: FfmpegRunner | None = None) -> FrameFacts:
        """:func:`frame_facts` of a source (its frame count, rate, keyframes), remembered by content hash."""
        return self._remembered(path, "frames", self._frames, FrameFacts.from_dict, lambda: frame_facts(path, runner))

    def _remembered(self, path: Path, kind: str, memo: dict, read, find):
        """A fact of ``kind`` about a file, by its content hash: known in this process, else read from the media
        facts (``read``; an entry that no longer reads is found anew), else found (``find``) and kept there."""
        digest = self.file_hash(path)
        if digest not in memo:
            value = None
            known = self.media.get(digest, kind)
            if known:
                try:
                    value = read(known)
                except (KeyError, TypeError, ValueError):
                    value = None
            if value is None:
                value = find()
                self.media.put(digest, kind, value.to_dict())
            memo[digest] = value
        return memo[digest]

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        # Forget files that are gone, so the cache does not grow forever.
        hashes = {k: v for k, v in self._hashes.items() if os.path.exists(k)}
        live = {v[3] for v in hashes.values()}
        font_facts = {k: v for k, v in self._fonts.items() if k.split(":")[0] in live}
        data = {"version": CACHE_VERSION, "hashes": hashes, "fonts": font_facts}
        atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")
        self._dirty = False


    def font_facts(self) -> FontFacts:
        """Font facts remembered here by font file content hash."""
        return _CachedFontFacts(self)

    def _font_entry(self, face: FontChoice) -> dict:
        return self._fonts.setdefault(f"{self.file_hash(face.file)}:{face.index}", {})


class _CachedFontFacts:
    """:class:`pipeline.fonts.FontFacts` remembered in the cache: asks the real one only what it does not know."""

    def __init__(self, cache: WorkCache):
        from pipeline.fonts import FontFacts

        self.cache = cache
        self.facts = FontFacts()

    def scale(self, face: FontChoice) -> float:
        entry = self.cache._font_entry(face)
        if "scale" not in entry:
            entry["scale"] = self.facts.scale(face)
            self.cache._dirty = True
        return entry["scale"]

    def missing(self, face: FontChoice, chars: str) -> str:
        known = self.cache._font_entry(face).setdefault("missing", {})
        if chars not in known:
            known[chars] = self.facts.missing(face, chars)
            self.cache._dirty = True
        return known[chars]


def _media_info(path: Path, data: dict) -> MediaInfo:
    streams = tuple(StreamInfo(**s) for s in data["streams"])
    rate = Fraction(data["frame_rate"]) if data.get("frame_rate") else None
    return MediaInfo(path, data["format"], float(data["duration"]), data.get("width"), data.get("height"),
                     rate, streams)
