"""WebVTT: composing sidecars for web players, and reading .vtt deliveries from translators.

Reading follows the WebVTT parsing rules where they matter for real files: the header runs to the first
blank line (``Kind:``, ``Language:``, ``X-TIMESTAMP-MAP=...``), STYLE / REGION / NOTE blocks are skipped,
anything without a timing line before the first cue is header material (legacy ``Region:`` lines, the
rest of a style sheet split by a blank line), and a timing line right after a cue's text starts a new cue.
Cue settings (``position:10% align:left``) are not kept. Text without a timing line after the first cue
is an error, never dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.formats.common import ARROW, blocks, check_writable, normalise_text, quote
from pipeline.formats.timecode import TimecodeError, parse_timing_line
from pipeline.model import Cue, Track, format_timestamp

_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")


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


def parse_vtt(text: str, path: Path | str = "<string>", language: str | None = None) -> Track:
    """Parse decoded WebVTT text into cues (see the module docstring for what is skipped)."""
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
            if not cues:
                continue  # header material before the first cue
            raise SubtitleError(
                path, f"text without a timing line: {quote(head)}", line=line_no,
                hint="if it belongs to the cue above, remove the blank line before it; otherwise add a timing line",
            )
        at = 0 if ARROW in head else 1
        try:
            parsed = parse_timing_line(block[at])
        except TimecodeError as exc:
            raise SubtitleError(path, f"bad timing line {quote(block[at])}: {exc}", line=line_no + at) from None
        if parsed is None:
            raise SubtitleError(path, f"malformed timing line {quote(block[at])}", line=line_no + at,
                                hint="write it as HH:MM:SS.mmm --> HH:MM:SS.mmm")
        cues.append(Cue(parsed[0], parsed[1], "\n".join(block[at + 1:]), line=line_no))
    return Track(cues, language)


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
    in the cue text and are dropped (top placement becomes ``line:10%``); HTML-ish tags are kept."""
    out = ["WEBVTT", ""]
    for number, cue in enumerate(track.sorted().cues, start=1):
        check_writable(cue)
        settings = " line:10%" if "{\\an8}" in cue.text else ""
        body = normalise_text(_ASS_OVERRIDE.sub("", cue.text))
        out.append(str(number))
        out.append(f"{format_timestamp(cue.start, '.')} --> {format_timestamp(cue.end, '.')}{settings}")
        out.extend(body.split("\n") if body else [])
        out.append("")
    return "\n".join(out)
