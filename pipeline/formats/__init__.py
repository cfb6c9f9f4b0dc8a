"""Subtitle file formats: read and write :class:`pipeline.model.Track` from/to SRT and WebVTT.

Only this package talks to pysrt; nothing outside it sees a pysrt type.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.formats.encoding import decode_subtitle_bytes
from pipeline.formats.srt import compose_srt, parse_srt
from pipeline.formats.vtt import compose_vtt, parse_vtt
from pipeline.fsutil import atomic_write_text
from pipeline.model import Track

__all__ = ["read_track", "write_track", "compose_srt", "parse_srt", "compose_vtt", "parse_vtt"]


def read_track(path: Path | str, language: str | None = None, encoding: str | None = None) -> Track:
    """Read an SRT or WebVTT file into a :class:`Track`.

    Raises :class:`SubtitleError` (file and line) for anything that cannot be read as written,
    and :class:`SubtitleEncodingError` for a legacy encoding not named with ``encoding``.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SubtitleError(path, "file not found") from None
    except OSError as exc:
        raise SubtitleError(path, f"cannot read file: {exc.strerror}") from None
    text = decode_subtitle_bytes(data, path, encoding)
    if path.suffix.lower() == ".vtt" or text.lstrip("\ufeff").startswith("WEBVTT"):
        return parse_vtt(text, path, language)
    return parse_srt(text, path, language)


def write_track(track: Track, path: Path | str) -> None:
    """Write a track atomically: SRT (or WebVTT for ``.vtt``), UTF-8 without BOM, LF, numbered from 1."""
    path = Path(path)
    text = compose_vtt(track) if path.suffix.lower() == ".vtt" else compose_srt(track)
    atomic_write_text(path, text)
