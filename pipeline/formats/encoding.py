"""Decoding subtitle bytes: strict UTF-8 (BOM allowed) and BOM-marked UTF-16; nothing is guessed."""

from __future__ import annotations

import codecs
from pathlib import Path

from pipeline.errors import SubtitleEncodingError, SubtitleError


def decode_subtitle_bytes(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Decode and normalise line endings to ``\\n``; strip a BOM.

    Without ``encoding``: UTF-16 with a BOM, else strict UTF-8. A legacy file is refused with the line
    of its first undecodable byte and how to read it.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SubtitleError(path, f"unknown encoding {encoding!r}", hint="use a name such as cp1252 or latin-1") from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SubtitleEncodingError(path, f"not valid {encoding} at byte {exc.start}", line=line) from None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SubtitleEncodingError(path, f"broken UTF-16 at byte {exc.start}") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            bad = data[exc.start : exc.start + 1].hex()
            raise SubtitleEncodingError(
                path,
                f"not UTF-8 (byte 0x{bad} at line {line})",
                line=line,
                hint="name its encoding, e.g. --encoding cp1252, or convert it with: pipeline fix --encoding cp1252 FILE",
            ) from None
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")
