"""SRT through pysrt, with errors raised (never dropped) and mapped to ``file:line`` messages.

Each blank-line separated block is one cue: an optional cue number, a timing line, then text. pysrt
splits the block and builds the times; its own timestamp parser only takes ``HH:MM:SS,mmm`` and reads
the fraction as an integer (``,04`` would become 4 ms), so loose timestamps are normalised first
(:mod:`pipeline.formats.timecode`). Cue numbers are not kept: missing, zero or out-of-sequence numbers
are fine, and writing numbers cues from 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pysrt

from pipeline.errors import SubtitleError
from pipeline.formats.common import ARROW, blocks, check_writable, normalise_text, quote, reads_as_timing
from pipeline.formats.timecode import TimecodeError, parse_timing_line
from pipeline.model import Cue, Track, format_timestamp

_CUE_NUMBER = re.compile(r"^\s*\d+\s*$")


def _timing(path: Path | str, line: str, line_no: int) -> tuple[int, int]:
    try:
        parsed = parse_timing_line(line)
    except TimecodeError as exc:
        raise SubtitleError(path, f"bad timing line {quote(line)}: {exc}", line=line_no,
                            hint="times must be 0 or later and a cue must end after it starts") from None
    if parsed is None:
        raise SubtitleError(path, f"malformed timing line {quote(line)}", line=line_no,
                            hint="write it as HH:MM:SS,mmm --> HH:MM:SS,mmm")
    return parsed[0], parsed[1]


def _parse_block(path: Path | str, line_no: int, lines: list[str]) -> Cue:
    if ARROW in lines[0]:
        at = 0
    elif len(lines) > 1 and ARROW in lines[1]:
        at = 1
        if not _CUE_NUMBER.match(lines[0]):
            raise SubtitleError(
                path, f"unexpected text {quote(lines[0])} before a cue's timing line", line=line_no,
                hint="a blank line inside the text of the cue above? remove it, or make this line the cue number",
            )
    elif any(reads_as_timing(line) for line in lines[2:]):
        raise SubtitleError(
            path, f"unexpected text {quote(lines[0])} before a cue's timing line", line=line_no,
            hint="a blank line inside the text of the cue above? remove it",
        )
    elif _CUE_NUMBER.match(lines[0]) and len(lines) > 1:
        raise SubtitleError(path, f"cue number {lines[0].strip()} is not followed by a timing line (got {quote(lines[1])})",
                            line=line_no + 1, hint="write the timing line as HH:MM:SS,mmm --> HH:MM:SS,mmm")
    else:
        raise SubtitleError(
            path, f"text without a timing line: {quote(lines[0])}", line=line_no,
            hint="if it belongs to the cue above, remove the blank line before it; otherwise add a timing line",
        )
    start, end = _timing(path, lines[at], line_no + at)
    body = lines[at + 1:]
    for offset, text_line in enumerate(body, start=at + 1):
        if reads_as_timing(text_line):
            raise SubtitleError(
                path, f"a timing line inside the text of the cue at line {line_no}: {quote(text_line)}",
                line=line_no + offset, hint="a blank line is missing before it (and before its cue number)",
            )
    # pysrt builds the cue from a canonical timing line; it raises instead of dropping anything.
    canonical = f"{format_timestamp(start)} {ARROW} {format_timestamp(end)}"
    try:
        item = pysrt.SubRipItem.from_lines(lines[:at] + [canonical] + body)
    except (pysrt.Error, ValueError, IndexError) as exc:  # pragma: no cover - the block was validated above
        raise SubtitleError(path, f"malformed cue ({type(exc).__name__})", line=line_no) from None
    return Cue(item.start.ordinal, item.end.ordinal, item.text, line=line_no)


def parse_srt(text: str, path: Path | str = "<string>", language: str | None = None) -> Track:
    """Parse decoded SRT text. Every block becomes exactly one cue or an error naming its line."""
    return Track([_parse_block(path, line_no, lines) for line_no, lines in blocks(text)], language)


def compose_srt(track: Track) -> str:
    """SRT text: cues in time order, numbered from 1, LF endings.

    Text is written with :func:`normalise_text` (whitespace only): what is written reads back equal.
    """
    out = []
    for number, cue in enumerate(track.sorted().cues, start=1):
        check_writable(cue)
        out.append(f"{number}\n{format_timestamp(cue.start)} {ARROW} {format_timestamp(cue.end)}\n"
                   f"{normalise_text(cue.text)}\n")
    return "\n".join(out)
