"""WebVTT: composing sidecars for web players, and reading .vtt deliveries from translators.

Reading follows the WebVTT parsing rules where they matter for real files: the header runs to the first
blank line (``Kind:``, ``Language:``, ``X-TIMESTAMP-MAP=...``), STYLE / REGION / NOTE blocks are skipped,
header material before the first cue is skipped too (legacy ``Region:`` lines, the rest of a style sheet
split by a blank line), and a timing line right after a cue's text starts a new cue. Cue identifiers are
kept; cue settings (``position:10% align:left``) are not, except ``line:10%``, which is how a top-placed
cue (``{\\an8}``) is written and is read back as one. Anything else without a timing line (text, a
malformed timing line such as ``00:00:01.000 -> 00:00:03.000``) is an error naming its line, never dropped:
the WebVTT rules would skip it silently.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.formats.common import (
    ARROW, Join, blocks, check_writable, looks_like_timing, normalise_text, quote, stray_text,
)
from pipeline.formats.timecode import TimecodeError, parse_timing_line
from pipeline.model import Cue, Track, format_timestamp

_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
#: The cue setting a top-placed cue (``{\\an8}`` in SRT) gets in WebVTT, and is read back as.
_TOP = "line:10%"
#: Header material a file may hold before its first cue: legacy header keys, and style sheet lines (a STYLE
#: block split by a blank line leaves its rest as a block of its own).
_HEADER_LINE = re.compile(r"^\s*(?:(?:Region|Kind|Language|Style|X-TIMESTAMP-MAP)\s*[:=]|::cue|@|/\*)|[{};]\s*$|^\s*}"
                          r"|\*/\s*$", re.IGNORECASE)


def _keyword(line: str, word: str) -> bool:
    """True for ``word`` alone or followed by a space or tab (how WebVTT marks NOTE/STYLE/REGION)."""
    return line == word or line.startswith((word + " ", word + "\t"))


def _split_blocks(lines: list[str], first: int):
    """Blocks after the header; a line holding ``-->`` after a cue's text starts the next block."""
    i, n = first, len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        start = i
        block = [lines[i].rstrip()]
        timed = ARROW in block[0]
        i += 1
        while i < n and lines[i].strip():
            if ARROW in lines[i] and not _keyword(block[0], "NOTE"):
                if timed or len(block) > 1:
                    break
                timed = True
            block.append(lines[i].rstrip())
            i += 1
        yield start + 1, block, timed


def parse_vtt(text: str, path: Path | str = "<string>", language: str | None = None,
              joins: list[Join] | None = None) -> Track:
    """Parse decoded WebVTT text into cues (see the module docstring for what is skipped).

    With a ``joins`` list (``pipeline fix``), text after a blank line inside a cue is joined to the cue above
    when that is the only reading, and recorded in ``joins``.
    """
    lines = text.split("\n")
    if not lines or not _keyword(lines[0].rstrip(), "WEBVTT"):
        raise SubtitleError(path, "not a WebVTT file: the first line must be 'WEBVTT'", line=1)
    header_end = 1
    while header_end < len(lines) and lines[header_end].strip() and ARROW not in lines[header_end]:
        header_end += 1
    cues: list[Cue] = []
    for line_no, block, timed in _split_blocks(lines, header_end):
        head = block[0]
        if _keyword(head, "NOTE") or _keyword(head, "STYLE") or _keyword(head, "REGION"):
            continue
        if not timed:
            _untimed(path, line_no, block, cues, joins)
            continue
        at = 0 if ARROW in head else 1
        try:
            parsed = parse_timing_line(block[at])
        except TimecodeError as exc:
            raise SubtitleError(path, f"bad timing line {quote(block[at])}: {exc}", line=line_no + at) from None
        if parsed is None:
            raise SubtitleError(path, f"malformed timing line {quote(block[at])}", line=line_no + at,
                                hint="write it as HH:MM:SS.mmm --> HH:MM:SS.mmm")
        text = "\n".join(block[at + 1:])
        if _TOP in parsed[2].split() and "{\\an8}" not in text:
            text = "{\\an8}" + text  # what compose_vtt writes for a top cue reads back as one
        cues.append(Cue(parsed[0], parsed[1], text, line=line_no, identifier=head.strip() if at else None))
    return Track(cues, language)


def _untimed(path: Path | str, line_no: int, block: list[str], cues: list[Cue], joins: list[Join] | None) -> None:
    """A block without a timing line: header material before the first cue is skipped; text after a blank line
    inside a cue is joined (with ``joins``); anything else is an error naming its line."""
    for offset, line in enumerate(block[:2]):
        if looks_like_timing(line):
            raise SubtitleError(path, f"malformed timing line {quote(line)}", line=line_no + offset,
                                hint="write it as HH:MM:SS.mmm --> HH:MM:SS.mmm")
    if not cues:
        if all(_HEADER_LINE.search(line) for line in block):
            return
        raise SubtitleError(path, f"text before the first cue, without a timing line: {quote(block[0])}",
                            line=line_no, hint="add its timing line, or remove it")
    if joins is not None and stray_text(block):
        above = cues[-1]
        body = "\n".join(block)
        cues[-1] = replace(above, text=f"{above.text}\n{body}" if above.text else body)
        joins.append(Join(line_no, above.line, above.start, body))
        return
    fixable = " (pipeline fix does that)" if stray_text(block) else ""
    raise SubtitleError(
        path, f"text without a timing line: {quote(block[0])}", line=line_no,
        hint=f"if it belongs to the cue above, remove the blank line before it{fixable}; otherwise add a timing line",
    )


def parse_sbv(text: str, path: Path | str = "<string>", language: str | None = None) -> Track:
    """Parse YouTube SBV (``0:00:01.709,0:00:06.160`` then text, blocks separated by blank lines)."""
    cues: list[Cue] = []
    for line_no, lines in blocks(text):
        start_raw, comma, end_raw = lines[0].partition(",")
        try:
            parsed = parse_timing_line(f"{start_raw} --> {end_raw}") if comma else None
        except TimecodeError as exc:
            raise SubtitleError(path, f"bad timing line {quote(lines[0])}: {exc}", line=line_no) from None
        if parsed is None:
            raise SubtitleError(path, f"expected an SBV timing line 'H:MM:SS.mmm,H:MM:SS.mmm', got {quote(lines[0])}",
                                line=line_no)
        cues.append(Cue(parsed[0], parsed[1], "\n".join(lines[1:]), line=line_no))
    return Track(cues, language)


def compose_vtt(track: Track) -> str:
    """WebVTT text for web players, cues in time order. ASS positioning overrides (``{\\an8}``) have no WebVTT meaning
    in the cue text and are dropped (top placement becomes ``line:10%``); HTML-ish tags are kept.

    Cue identifiers are kept as they were read (a style sheet or a script may refer to them); a track without
    any is numbered from 1."""
    out = ["WEBVTT", ""]
    keep_ids = any(cue.identifier for cue in track.cues)
    for number, cue in enumerate(track.sorted().cues, start=1):
        check_writable(cue)
        settings = f" {_TOP}" if "{\\an8}" in cue.text else ""
        body = normalise_text(_ASS_OVERRIDE.sub("", cue.text))
        identifier = cue.identifier if keep_ids else str(number)
        if identifier:
            out.append(identifier)
        out.append(f"{format_timestamp(cue.start, '.')} --> {format_timestamp(cue.end, '.')}{settings}")
        out.extend(body.split("\n") if body else [])
        out.append("")
    return "\n".join(out)
