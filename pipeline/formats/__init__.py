"""Subtitle file formats: read and write :class:`pipeline.model.Track` from/to SRT and WebVTT.

Read: SRT, WebVTT and YouTube SBV. Write: SRT and WebVTT, always UTF-8 without BOM, LF, numbered from 1.
ASS/SSA scripts are refused with a clear message (their styling cannot be kept in SRT).
No subtitle library is used (``formats/srt.py`` says why).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.errors import NotRegularFileError, SubtitleError
from pipeline.formats.common import Join
from pipeline.formats.encoding import Reading, conversion_notes, decode_subtitle_bytes, detect_reading
from pipeline.formats.srt import compose_srt, parse_srt
from pipeline.formats.timecode import TIMING_LINE
from pipeline.formats.vtt import compose_vtt, parse_sbv, parse_vtt
from pipeline.fsutil import atomic_write_text, open_regular
from pipeline.model import Track

__all__ = [
    "read_track", "write_track", "read_source", "parse_track", "compose_track", "format_of", "writable_format",
    "compose_srt", "parse_srt", "compose_vtt", "parse_vtt", "parse_sbv", "conversion_notes", "lost_cue_settings", "lost_vtt_blocks",
    "SUBTITLE_SUFFIXES", "Join", "Reading", "read_for_rewrite",
]

#: File name endings the pipeline reads.
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")
#: The largest subtitle file read. A feature film's SRT is 50-150 KB (the corpus's largest, 1,586 cues, is
#: 110 KB); anything near this is not a subtitle file, and reading it whole would only exhaust memory.
MAX_SUBTITLE_BYTES = 16 * 1024 * 1024

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


def parse_track(text: str, path: Path | str, language: str | None = None, fmt: str = "srt",
                joins: list[Join] | None = None) -> Track:
    """Parse decoded text in format ``fmt`` (``srt``, ``vtt`` or ``sbv``).

    With a ``joins`` list, text after a blank line inside a cue is joined to the cue above when that is the
    only reading (SRT and WebVTT; what ``pipeline fix`` repairs), and each join is recorded there.
    """
    if fmt == "sbv":
        return parse_sbv(text, path, language)
    return (parse_vtt if fmt == "vtt" else parse_srt)(text, path, language, joins)


def _read_bytes(path: Path) -> bytes:
    """The bytes of a subtitle file. Only a regular file up to :data:`MAX_SUBTITLE_BYTES` is read: a device
    (``/dev/zero``) would exhaust memory and a FIFO would block forever. The file is opened without blocking
    and checked as opened."""
    try:
        with open_regular(path) as fh:
            data = fh.read(MAX_SUBTITLE_BYTES + 1)
    except FileNotFoundError:
        raise SubtitleError(path, "file not found") from None
    except IsADirectoryError:
        raise SubtitleError(path, "is a folder, not a subtitle file") from None
    except NotRegularFileError as exc:
        raise SubtitleError(path, f"is {exc.kind}, not a regular file", hint="give the subtitle file itself") from None
    except OSError as exc:
        raise SubtitleError(path, f"cannot read file: {exc.strerror}") from None
    if len(data) > MAX_SUBTITLE_BYTES:
        raise SubtitleError(path, f"is {path.stat().st_size / 1024 / 1024:.1f} MiB: larger than any subtitle file "
                                  f"(the limit is {MAX_SUBTITLE_BYTES // 1024 // 1024} MiB)",
                            hint="is it the right file?")
    return data


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
