"""Changing one cue's text in a subtitle file in place: every other byte of the file stays as it was.

A translator's SRT may carry what the pipeline would not write itself: CRLF line endings, a byte-order
mark, cue numbers out of sequence, trailing spaces, a missing final newline. Rewriting the whole file
would change all of that in the diff of a one-word fix, so :func:`splice_cue_text` replaces only the
text lines of one cue, in the file's own encoding and line endings, and proves it by reading the result
back: the same cues, but the one.

Versions make concurrent edits safe: :func:`cue_version` names a cue's timing and text, and a write based
on an older version is refused (:class:`ChangedElsewhereError`) instead of overwriting what someone else
saved meanwhile (another reviewer, a text editor, a re-draft).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError, SubtitleError, UsageError
from pipeline.formats import parse_srt
from pipeline.formats.common import ARROW, blocks, normalise_text, reads_as_timing
from pipeline.formats.encoding import decode_subtitle_bytes
from pipeline.fsutil import sha256_text
from pipeline.model import Cue, Track

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class ChangedElsewhereError(PipelineError):
    """What a write was based on is no longer what is on disk (HTTP 409 in the review workbench)."""

    def __init__(self, path: Path, what: str = "the file"):
        super().__init__(f"{path}: {what} changed elsewhere since it was loaded; nothing was written",
                         hint="reload to see the current text, then apply the change again")
        self.path = Path(path)


class CueTextError(UsageError):
    """Text that cannot be a cue's text (empty, or a line that reads as a timing line)."""


def cue_version(cue: Cue) -> str:
    """A short name for a cue's timing and text: it changes whenever either changes."""
    return sha256_text(f"{cue.start}\x1f{cue.end}\x1f{cue.text}")[:16]


def file_version(data: bytes) -> str:
    """A short name for a file's exact bytes (``-`` for a file that does not exist)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def clean_cue_text(text: str) -> str:
    """Text as a cue can hold it: line endings to ``\\n``, lines right-stripped, blank lines dropped (a
    blank line would end the cue). Empty text and text with a timing line are a :class:`CueTextError`."""
    if not isinstance(text, str):
        raise CueTextError("the cue's text must be a string")
    if "\x00" in text:
        raise CueTextError("the cue's text holds a NUL character")
    cleaned = normalise_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not cleaned.strip():
        raise CueTextError("a cue needs some text", hint="to remove a cue, delete it in a subtitle editor")
    for line in cleaned.split("\n"):
        if reads_as_timing(line) or ARROW in line and line.strip().startswith(ARROW):
            raise CueTextError(f"the line {line!r} would read as a timing line", hint="reword it")
    return cleaned


@dataclass
class Spliced:
    """The file's new bytes and its cues after the change."""

    data: bytes
    track: Track


def _codec(data: bytes) -> tuple[str, bytes]:
    """The codec a track file is written in and its byte-order mark (as :func:`decode_subtitle_bytes`
    reads it: UTF-16 with a BOM, else UTF-8 with or without one)."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", codecs.BOM_UTF16_LE
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", codecs.BOM_UTF16_BE
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", codecs.BOM_UTF8
    return "utf-8", b""


def splice_cue_text(data: bytes, number: int, text: str, path: Path | str = "<track>") -> Spliced:
    """Replace the text of cue ``number`` (1-based, in file order) in an SRT file's bytes.

    Only that cue's text lines change; the new lines use the line ending of the cue's timing line.
    ``text`` must be clean (:func:`clean_cue_text`). Raises :class:`SubtitleError` when the file cannot
    be read or the result would not read back as the same cues with only this one's text changed.
    """
    codec, bom = _codec(data)
    before = parse_srt(decode_subtitle_bytes(data, path), path)
    if not 1 <= number <= len(before):
        raise UsageError(f"{path}: there is no cue {number} (the track has {len(before)} cues)")
    raw = data[len(bom):].decode(codec)  # strict: decode_subtitle_bytes above accepted it
    lines = _LINE.findall(raw)
    # The normalised text the parser saw has the same lines (only their endings differ), so its line
    # numbers index ``lines`` directly.
    normalised = raw.replace("\r\n", "\n").replace("\r", "\n")
    target = before.cues[number - 1]
    block = next(b for start, b in blocks(normalised) if start == target.line)
    timing_at = 0 if ARROW in block[0] else 1
    first_text = target.line - 1 + timing_at + 1  # 0-based index of the first text line
    count = len(block) - timing_at - 1
    # A block ends at the first blank line, and ``blocks`` dropped nothing inside it: its text lines are
    # the ``count`` lines after the timing line.
    timing_line = lines[target.line - 1 + timing_at]
    ending = timing_line[len(timing_line.rstrip("\r\n")):] or "\n"
    last_ending = None
    if count:
        old_last = lines[first_text + count - 1]
        last_ending = old_last[len(old_last.rstrip("\r\n")):]
    new_lines = [line + ending for line in text.split("\n")]
    if last_ending is not None:
        new_lines[-1] = new_lines[-1][: -len(ending)] + last_ending  # keep how the block ended (maybe EOF)
    elif not lines[first_text - 1].endswith(("\n", "\r")):
        # A cue with no text at the very end of a file without a final newline: end the timing line.
        lines[first_text - 1] = lines[first_text - 1] + ending
    out = "".join(lines[:first_text] + new_lines + lines[first_text + count:])
    new_data = bom + out.encode(codec)
    after = parse_srt(decode_subtitle_bytes(new_data, path), path)
    expected = [c if i != number - 1 else c.with_text(text) for i, c in enumerate(before.cues)]
    if after.cues != expected:
        raise SubtitleError(path, f"changing cue {number} in place would change other cues; nothing was written",
                            hint="edit this cue in a subtitle editor")
    return Spliced(new_data, after)
