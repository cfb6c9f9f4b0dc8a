"""Decoding subtitle bytes: strict UTF-8 (BOM allowed) and BOM-marked UTF-16; nothing is guessed.

Detectors guess legacy encodings badly (chardet said cp1252 at 5% confidence; charset-normalizer said
cp1250 for a cp1252 file), and a wrong guess silently garbles a translation. So a file that is not UTF-8
is refused with the line of its first undecodable byte and how to name its encoding.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from pipeline.errors import SubtitleEncodingError, SubtitleError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _line_text(data: bytes, start: int) -> str:
    """The line holding byte ``start``, decoded leniently for the message (bad bytes shown as U+FFFD)."""
    begin = data.rfind(b"\n", 0, start) + 1
    end = data.find(b"\n", start)
    line = data[begin: end if end >= 0 else len(data)].decode("utf-8", "replace").strip()
    return line if len(line) <= 60 else line[:60] + "…"


def check_encoding_name(encoding: str, path: Path | str = "<string>") -> str:
    """The codec's canonical name, or a :class:`SubtitleError` for a name Python does not know."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise SubtitleError(path, f"unknown encoding {encoding!r}", hint="use a name such as cp1252, latin-1 or gb2312") from None


def _refuse_if_unicode(data: bytes, path: Path | str, encoding: str) -> None:
    """A file that is already UTF-8 (with letters beyond ASCII) or BOM-marked UTF-16 must not be read in a
    legacy encoding: cp1252 would turn "línea" into "lÃ­nea" without any error, and fix would write that."""
    if data.startswith(_UTF16_BOMS):
        raise SubtitleEncodingError(path, f"is UTF-16 (it has a byte-order mark), not {encoding}",
                                    hint="leave out --encoding for this file") from None
    if data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    first = next(i for i, byte in enumerate(data) if byte >= 0x80)
    raise SubtitleEncodingError(
        path, f"is already UTF-8 ({_line_text(data, first)!r}); reading it as {encoding} would garble its letters",
        line=data[:first].count(b"\n") + 1, hint="leave out --encoding for this file",
    )


def decode_subtitle_bytes(data: bytes, path: Path | str, encoding: str | None = None) -> str:
    """Decode and normalise line endings (CRLF and CR-only become ``\\n``); strip a BOM.

    Without ``encoding``: UTF-16 with a BOM, else strict UTF-8. A legacy file is refused with the line
    of its first undecodable byte and how to read it. A legacy ``encoding`` for a file that is plainly
    Unicode (UTF-8 beyond ASCII, or UTF-16 with a BOM) is refused too: it would garble the text silently.
    """
    if encoding:
        name = check_encoding_name(encoding, path)
        if not name.startswith("utf"):
            _refuse_if_unicode(data, path, encoding)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SubtitleEncodingError(path, f"not valid {encoding} (byte 0x{data[exc.start]:02x})", line=line,
                                        hint="name the encoding the file was saved in") from None
    elif data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SubtitleEncodingError(path, f"broken UTF-16 at byte {exc.start}",
                                        hint="re-export the file as UTF-8") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SubtitleEncodingError(
                path,
                f"not UTF-8: byte 0x{data[exc.start]:02x} in {_line_text(data, exc.start)!r}",
                line=line,
                hint="name its encoding to read it, e.g. --encoding cp1252, "
                     "or convert it once with: pipeline fix --encoding cp1252 FILE",
            ) from None
        if "\x00" in text:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise SubtitleEncodingError(
                path, "NUL bytes: looks like UTF-16 without a byte-order mark", line=line,
                hint="read it with --encoding utf-16-le (or utf-16-be)",
            )
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def conversion_notes(data: bytes, encoding: str | None = None) -> list[str]:
    """What normalised writing changes besides the cues: encoding, byte-order mark, line endings."""
    notes = []
    if encoding and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        notes.append(f"encoding {encoding} -> UTF-8")
    elif data.startswith(_UTF16_BOMS):
        notes.append("encoding UTF-16 -> UTF-8")
    if data.startswith((codecs.BOM_UTF8, *_UTF16_BOMS)):
        notes.append("byte-order mark removed")
    sample = data.decode("utf-16") if data.startswith(_UTF16_BOMS) else data.decode("latin-1")
    if "\r\n" in sample:
        notes.append("CRLF line endings -> LF")
    elif "\r" in sample:
        notes.append("CR line endings -> LF")
    return notes
