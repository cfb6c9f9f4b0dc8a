"""SRT, parsed here: each blank-line separated block is one cue or an error naming its line.

A block is an optional cue number, a timing line, then text. Loose timestamps are read as translators' tools
write them (:mod:`pipeline.formats.timecode`). Cue numbers are not kept: missing, zero or out-of-sequence
numbers are fine, and writing numbers cues from 1.

No SRT library is used. pysrt 1.1.2 was, and on ``../shared/corpus`` its default reader silently dropped
what it could not read: all 15 cues of each mediaelement file (``00:00:00,1``), a cue of each astisub file
and the only cue of pysrt's own ``invalid.srt`` (``00:00:04``, no milliseconds); it read ``,08`` as 8 ms
(80 ms is meant) and ``-00:00:06,843`` as 6.843 s, leaving cues that end before they start. Its strict mode
stops at the first such cue. What it does right (split blocks, build times) is a few lines here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.formats.common import (
    ARROW, CUE_NUMBER, Join, blocks, check_writable, looks_like_timing, normalise_text, quote, reads_as_timing,
    stray_text,
)
from pipeline.formats.timecode import TimecodeError, parse_timing_line
from pipeline.model import Cue, Track, format_timestamp


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


def _parse_block(path: Path | str, line_no: int, lines: list[str], after_cue: bool = True) -> Cue:
    if ARROW in lines[0]:
        at = 0
    elif len(lines) > 1 and ARROW in lines[1]:
        at = 1
        if not CUE_NUMBER.match(lines[0]):
            raise SubtitleError(
                path, f"unexpected text {quote(lines[0])} before a cue's timing line", line=line_no,
                hint="a blank line inside the text of the cue above? remove it, or make this line the cue number",
            )
    elif any(reads_as_timing(line) for line in lines[2:]):
        raise SubtitleError(
            path, f"unexpected text {quote(lines[0])} before a cue's timing line", line=line_no,
            hint="a blank line inside the text of the cue above? remove it",
        )
    elif looks_like_timing(lines[0]) or len(lines) > 1 and looks_like_timing(lines[1]):
        at = 0 if looks_like_timing(lines[0]) else 1
        raise SubtitleError(path, f"malformed timing line {quote(lines[at])}", line=line_no + at,
                            hint="write it as HH:MM:SS,mmm --> HH:MM:SS,mmm")
    elif CUE_NUMBER.match(lines[0]) and len(lines) > 1:
        raise SubtitleError(path, f"cue number {lines[0].strip()} is not followed by a timing line (got {quote(lines[1])})",
                            line=line_no + 1, hint="write the timing line as HH:MM:SS,mmm --> HH:MM:SS,mmm")
    else:
        fixable = " (pipeline fix does that)" if after_cue and stray_text(lines) else ""
        raise SubtitleError(
            path, f"text without a timing line: {quote(lines[0])}", line=line_no,
            hint=f"if it belongs to the cue above, remove the blank line before it{fixable}; "
                 "otherwise add a timing line",
        )
    start, end = _timing(path, lines[at], line_no + at)
    body = lines[at + 1:]
    for offset, text_line in enumerate(body, start=at + 1):
        if reads_as_timing(text_line):
            raise SubtitleError(
                path, f"a timing line inside the text of the cue at line {line_no}: {quote(text_line)}",
                line=line_no + offset, hint="a blank line is missing before it (and before its cue number)",
            )
    return Cue(start, end, "\n".join(body), line=line_no)


def parse_srt(text: str, path: Path | str = "<string>", language: str | None = None,
              joins: list[Join] | None = None) -> Track:
    """Parse decoded SRT text. Every block becomes exactly one cue or an error naming its line.

    With a ``joins`` list (``pipeline fix``), text after a blank line inside a cue is joined to the cue above
    when that is the only reading (:func:`~pipeline.formats.common.stray_text`), and recorded in ``joins``.
    """
    cues: list[Cue] = []
    for line_no, lines in blocks(text):
        if joins is not None and cues and stray_text(lines):
            above = cues[-1]
            body = "\n".join(lines)
            cues[-1] = replace(above, text=f"{above.text}\n{body}" if above.text else body)
            joins.append(Join(line_no, above.line, above.start, body))
            continue
        cues.append(_parse_block(path, line_no, lines, after_cue=bool(cues)))
    return Track(cues, language)


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
