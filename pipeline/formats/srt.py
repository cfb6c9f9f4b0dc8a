"""SRT through pysrt, with errors raised (never dropped) and mapped to file:line messages."""

from __future__ import annotations

import re
from pathlib import Path

import pysrt

from pipeline.errors import SubtitleError
from pipeline.model import Cue, Track, format_timestamp

_ARROW = "-->"
# pysrt accepts these loose forms; we accept them too: "0:00:03,700", "00:00:01.500", "00:00:04".
_LOOSE_TIME = re.compile(r"^\s*(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*$")


def _parse_time(raw: str) -> int | None:
    m = _LOOSE_TIME.match(raw)
    if not m:
        return None
    h, mi, s, frac = m.groups()
    millis = int((frac or "0").ljust(3, "0"))
    return ((int(h) * 60 + int(mi)) * 60 + int(s)) * 1000 + millis


def _blocks(text: str):
    """Yield (first_line_number, lines) per blank-line separated block."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_srt(text: str, path: Path | str = "<string>", language: str | None = None) -> Track:
    """Parse decoded SRT text. Every block becomes a cue or an error naming its line."""
    cues: list[Cue] = []
    for line_no, lines in _blocks(text):
        block_text = "\n".join(lines) + "\n"
        try:
            items = pysrt.SubRipFile.from_string(block_text, error_handling=pysrt.SubRipFile.ERROR_RAISE)
        except (pysrt.Error, ValueError, IndexError):
            items = None
        timing_at = 1 if len(lines) > 1 and _ARROW in lines[1] and _ARROW not in lines[0] else 0
        if _ARROW not in lines[timing_at]:
            raise SubtitleError(
                path, f"malformed cue: expected a timing line 'HH:MM:SS,mmm --> HH:MM:SS,mmm', got {lines[timing_at]!r}",
                line=line_no + timing_at, hint="fix or remove this block",
            )
        start_raw, _, rest = lines[timing_at].partition(_ARROW)
        end_raw = rest.strip().split(" ", 1)[0]
        start, end = _parse_time(start_raw), _parse_time(end_raw)
        if start is None or end is None or items is None or len(items) != 1:
            raise SubtitleError(
                path, f"malformed timing line {lines[timing_at]!r}", line=line_no + timing_at,
                hint="use HH:MM:SS,mmm --> HH:MM:SS,mmm",
            )
        body = "\n".join(lines[timing_at + 1 :])
        cues.append(Cue(start, end, body, line=line_no))
    return Track(cues, language)


def compose_srt(track: Track) -> str:
    """SRT text: cues in the track's order, numbered from 1, LF endings."""
    out = []
    for number, cue in enumerate(track.cues, start=1):
        out.append(f"{number}\n{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}\n{cue.text}\n")
    return "\n".join(out)
