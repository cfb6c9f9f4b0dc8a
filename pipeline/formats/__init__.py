"""Subtitle file formats: read and write :class:`pipeline.model.Track` from/to SRT and WebVTT.

Read: SRT, WebVTT and YouTube SBV. Write: SRT and WebVTT, always UTF-8 without BOM, LF, numbered from 1.
ASS/SSA scripts are refused with a clear message (their styling cannot be kept in SRT).
Only this package talks to pysrt; nothing outside it sees a pysrt type.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.formats.encoding import Reading, conversion_notes, decode_subtitle_bytes, detect_reading
from pipeline.formats.srt import compose_srt, parse_srt
from pipeline.formats.timecode import TIMING_LINE
from pipeline.formats.vtt import compose_vtt, parse_sbv, parse_vtt
from pipeline.fsutil import atomic_write_text
from pipeline.model import Track

__all__ = [
    "read_track", "write_track", "read_source", "parse_track", "compose_track", "format_of", "writable_format",
    "compose_srt", "parse_srt", "compose_vtt", "parse_vtt", "parse_sbv", "conversion_notes", "lost_cue_settings", "lost_vtt_blocks",
    "SUBTITLE_SUFFIXES", "Reading", "read_for_rewrite",
]

#: File name endings the pipeline reads.
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")

_UNSUPPORTED = {
    ".ass": "ASS/SSA scripts are not supported: export SRT from your editor (Aegisub: File > Export Subtitles)",
    ".ssa": "ASS/SSA scripts are not supported: export SRT from your editor (Aegisub: File > Export Subtitles)",
    ".sub": "MicroDVD/VobSub .sub files are not supported: convert to SRT (e.g. with Subtitle Edit)",
    ".ttml": "TTML is not supported: convert to SRT (e.g. with Subtitle Edit)",
    ".dfxp": "DFXP/TTML is not supported: convert to SRT (e.g. with Subtitle Edit)",
    ".stl": "EBU STL is not supported: convert to SRT (e.g. with Subtitle Edit)",
}


def format_of(path: Path | str, text: str) -> str:
    """``srt``, ``vtt`` or ``sbv`` from the name and the first line; an unsupported format is an error."""
    suffix = Path(path).suffix.lower()
    if suffix in _UNSUPPORTED:
        raise SubtitleError(path, _UNSUPPORTED[suffix])
    head = text.lstrip()[:32]
    if head.startswith("[Script Info]"):
        raise SubtitleError(path, _UNSUPPORTED[".ass"])
    if suffix == ".vtt" or head.startswith("WEBVTT"):
        return "vtt"
    if suffix == ".sbv":
        return "sbv"
    return "srt"


def parse_track(text: str, path: Path | str, language: str | None = None, fmt: str = "srt") -> Track:
    """Parse decoded text in format ``fmt`` (``srt``, ``vtt`` or ``sbv``)."""
    parser = {"srt": parse_srt, "vtt": parse_vtt, "sbv": parse_sbv}[fmt]
    return parser(text, path, language)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SubtitleError(path, "file not found") from None
    except IsADirectoryError:
        raise SubtitleError(path, "is a folder, not a subtitle file") from None
    except OSError as exc:
        raise SubtitleError(path, f"cannot read file: {exc.strerror}") from None


def read_source(path: Path | str, encoding: str | None = None, language: str | None = None) -> tuple[bytes, str]:
    """The raw bytes and the decoded text (LF line endings, no BOM) of a subtitle file. A file that is not
    UTF-8 is refused with what it reads as in ``language``'s code pages (:mod:`pipeline.formats.encoding`)."""
    path = Path(path)
    data = _read_bytes(path)
    return data, decode_subtitle_bytes(data, path, encoding, language)


def read_for_rewrite(path: Path | str, encoding: str | None = None,
                     language: str | None = None) -> tuple[bytes, Reading]:
    """The raw bytes and how to read them for a rewrite as UTF-8: as named, as Unicode, or the one reading
    of ``language``'s code pages that fits (:func:`pipeline.formats.encoding.detect_reading`)."""
    path = Path(path)
    data = _read_bytes(path)
    return data, detect_reading(data, path, encoding, language)


def read_track(path: Path | str, language: str | None = None, encoding: str | None = None) -> Track:
    """Read an SRT, WebVTT or SBV file into a :class:`Track`.

    Raises :class:`SubtitleError` (file and line) for anything that cannot be read as written,
    and :class:`SubtitleEncodingError` for a file that is not UTF-8 (saying what it reads as in
    ``language``'s code pages) unless ``encoding`` names its encoding.
    """
    _data, text = read_source(path, encoding, language)
    return parse_track(text, path, language, format_of(path, text))


def writable_format(path: Path | str) -> str:
    """``vtt`` for a ``.vtt`` name, else ``srt`` (SBV and others are written as SRT)."""
    return "vtt" if Path(path).suffix.lower() == ".vtt" else "srt"


def compose_track(track: Track, fmt: str = "srt") -> str:
    """The text of ``track`` in ``srt`` or ``vtt``."""
    return compose_vtt(track) if fmt == "vtt" else compose_srt(track)


def write_track(track: Track, path: Path | str) -> None:
    """Write a track atomically: SRT (or WebVTT for ``.vtt``), UTF-8 without BOM, LF, numbered from 1."""
    path = Path(path)
    try:
        text = compose_track(track, writable_format(path))
    except ValueError as exc:
        raise SubtitleError(path, f"cannot write: {exc}") from None
    atomic_write_text(path, text)


def _cue_settings(text: str) -> Counter:
    return Counter(m.group("rest") for m in map(TIMING_LINE.match, text.split("\n")) if m and m.group("rest"))


def lost_cue_settings(old_text: str, new_text: str) -> list[str]:
    """What follows the times on timing lines of ``old_text`` (WebVTT cue settings such as ``align:start``,
    SRT coordinates) and is not in ``new_text``: rewriting does not keep them, and a person should know."""
    return sorted((_cue_settings(old_text) - _cue_settings(new_text)).elements())


def _vtt_blocks(text: str) -> Counter:
    return Counter(line.split(None, 1)[0] for line in text.split("\n")
                   if line.split(None, 1)[:1] in (["NOTE"], ["STYLE"], ["REGION"]))


def lost_vtt_blocks(old_text: str, new_text: str) -> dict[str, int]:
    """WebVTT NOTE, STYLE and REGION blocks of ``old_text`` missing from ``new_text``, counted by kind."""
    return dict(_vtt_blocks(old_text) - _vtt_blocks(new_text))
