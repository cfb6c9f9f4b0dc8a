"""What a build remembers between runs to decide quickly: content hashes and probe results.

``dist/.work/cache.json`` maps each hashed file to ``(size, mtime_ns, inode) -> sha256``, like git's index:
a file whose size, time and inode are unchanged is not read again. Decisions are still made on the
content hashes (a touched but unchanged file hashes the same and rebuilds nothing). Probe results are
keyed by the file's content hash. The cache is only an accelerator: deleting it costs one re-read.
"""

from __future__ import annotations

import json
import logging
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.fsutil import atomic_write_text, sha256_file
from pipeline.media.probe import MediaInfo, StreamInfo, probe_video

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


class WorkCache:
    """File hashes and probe results, loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None):
        self.path = path
        self._hashes: dict[str, list] = {}
        self._probes: dict[str, dict] = {}
        self._fonts: dict[str, dict] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == CACHE_VERSION:
                    self._hashes = data.get("hashes", {})
                    self._probes = data.get("probes", {})
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
        digest = self.file_hash(path)
        known = self._probes.get(digest)
        if known:
            try:
                return _media_info(Path(path), known)
            except (KeyError, TypeError, ValueError):
                pass
        info = probe_video(path, runner)
        self._probes[digest] = info.to_dict()
        self._dirty = True
        return info

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        # Forget files that are gone, so the cache does not grow forever.
        hashes = {k: v for k, v in self._hashes.items() if os.path.exists(k)}
        live = {v[3] for v in hashes.values()}
        probes = {k: v for k, v in self._probes.items() if k in live}
        font_facts = {k: v for k, v in self._fonts.items() if k.split(":")[0] in live}
        data = {"version": CACHE_VERSION, "hashes": hashes, "probes": probes, "fonts": font_facts}
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
