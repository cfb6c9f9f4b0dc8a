"""Helpers shared by the text formats: blank-line blocks, quoting offending text, writable cue text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from pipeline.formats.timecode import TimecodeError, parse_timing_line
from pipeline.model import Cue, format_timestamp

ARROW = "-->"
_SHOW = 60  # characters of offending text quoted in a message
_TIMESTAMP_ISH = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?")
_ARROW_ISH = re.compile(r"-+>|=+>|→|–>|—>")
CUE_NUMBER = re.compile(r"^\s*\d+\s*$")


@dataclass(frozen=True)
class Join:
    """Text after a blank line inside a cue, joined to the cue above by a lenient read (``pipeline fix``)."""

    line: int  # where the stray text starts
    cue_line: int | None  # the cue it was joined to
    cue_start: int  # that cue's start (ms)
    text: str


def looks_like_timing(line: str) -> bool:
    """True for a line that tries to be a timing line (``00:00:01.000 -> 00:00:03.000``, one dash) even when
    it is not one: two timestamps, or one and an arrow."""
    stamps = _TIMESTAMP_ISH.findall(line)
    return len(stamps) >= 2 or (len(stamps) == 1 and bool(_ARROW_ISH.search(line)))


def stray_text(lines: list[str]) -> bool:
    """A block that can only be text of the cue above, after a blank line: no timing line (not even a broken
    one) and not a cue number that lost its timing line."""
    if CUE_NUMBER.match(lines[0]):
        return False
    return not any(ARROW in line or looks_like_timing(line) for line in lines)


def quote(text: str) -> str:
    """Offending text for a message, shortened."""
    return repr(text if len(text) <= _SHOW else text[:_SHOW] + "…")


def blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first_line_number, lines)`` per blank-line separated block (lines right-stripped)."""
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


def reads_as_timing(line: str) -> bool:
    """True when ``line`` reads as a timing line (even an unusable one)."""
    if ARROW not in line:
        return False
    try:
        return parse_timing_line(line) is not None
    except TimecodeError:
        return True


def normalise_text(text: str) -> str:
    """Cue text as a file can hold it: lines right-stripped, blank lines (which would end the cue) removed."""
    return "\n".join(line.rstrip() for line in text.split("\n") if line.strip())


def check_writable(cue: Cue) -> None:
    """Refuse a cue whose text would read back as a timing line (the file would not read back equal)."""
    for line in cue.text.split("\n"):
        if reads_as_timing(line):
            raise ValueError(f"the cue at {format_timestamp(cue.start)} has a text line that reads as a timing line")
